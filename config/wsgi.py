import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# What is loaded at start (Django, the apps, their modules) stays for the life of the worker:
# keep it out of the collector's full passes, which otherwise cost a request ~60 ms every few
# dozen requests (bench/README.md, 网格化)
gc.freeze()
