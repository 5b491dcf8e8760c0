"""`statusgen serve`: the live server (ASGI app, scheduler, reporter routes, live state).

`create_app(config, clock)` in `statusgen.server.app` is the entry point; route modules
(`reporter`, `manage`) each expose `routes(ctx)` over a shared `ServerContext`.
"""
