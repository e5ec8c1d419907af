"""The review web application: API under /api/v1 and server-rendered pages over the records store."""
