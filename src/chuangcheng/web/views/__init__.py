"""Server-rendered pages. Views parse the request, call selectors (reads) and services
(writes), and render; no view queries a model directly."""
