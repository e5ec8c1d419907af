"""Thin routers: each turns a request into one call of web.services."""
