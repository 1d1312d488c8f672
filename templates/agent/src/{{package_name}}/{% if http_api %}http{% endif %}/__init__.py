"""The HTTP edge (factor 11): the app factory, its guards and bodies, the thread and webhook
routes, and the inbox. Everything here calls the core through `AgentService`; nothing in the
core imports it."""
