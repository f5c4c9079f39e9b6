"""The yardstick: a hello-world Flask app, served exactly like the real one."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return {"hello": "world"}
