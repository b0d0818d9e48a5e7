"""Who may see what: API keys and their roles, the route × role table (roles.py, the one place
that says which role may call which route), the request's viewer and its scope (auth.py), the
audit log (audit.py) and per-key rate limits (ratelimit.py)."""
