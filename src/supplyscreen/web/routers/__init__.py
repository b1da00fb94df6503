"""The web app's routes by concern: the HTML pages, the runs API and the one-supplier lists API."""
