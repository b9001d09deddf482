"""Blueprints: thin request handlers that call services and render templates."""
