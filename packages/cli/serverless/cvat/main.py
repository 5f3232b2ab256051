"""CVAT interactor handler: forwards CVAT's JSON body to objsel serve's POST /cvat/interactor.

The answer ({"mask": rows of 0/1, "points": [[x, y], ...]}) goes back to CVAT unchanged; an
error from objsel serve (a 4xx with {"error": ...}) keeps its status so CVAT shows the message.
"""
import json
import os
import urllib.error
import urllib.request

ROUTE = "/cvat/interactor"
URL = os.environ.get("OBJSEL_URL", "http://host.docker.internal:8080").rstrip("/") + ROUTE


def handler(context, event):
    body = event.body
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = urllib.request.Request(URL, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    return context.Response(body=answer, headers={}, content_type="application/json", status_code=status)
