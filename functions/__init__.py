"""Lambda entry points: thin handlers that parse the event, call one service and return."""
