"""Services behind the routes: answer composer, dialogue routing, Rasa client, queue, limits."""
