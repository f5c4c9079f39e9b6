"""The yardstick of bench/boards.py: a hello-world Flask app, served the same way (gunicorn, 2 sync workers)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
