"""Discord login: the User model, OAuth states, the session model and engine, login views."""
