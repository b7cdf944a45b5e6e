"""The web app: create_app(settings) in app.py; pages and their JSON twins call the same Library methods."""
