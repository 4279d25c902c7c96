"""MGE sandbox: a faithful emulator of MGE's B2B order API, served over real HTTP.

It is the other side of the wire, so it imports nothing of mgeflow and validates raw JSON with
its own rules (sharing the client's models would make every contract test a tautology).
"""
