"""What "My devices" shows of a session: the browser it was made on, named from its User-Agent.

Only a short name is kept ("Firefox on Android"), never the whole header: it is shown to the
account's owner, and identifies a browser more than the owner needs.
"""

_BROWSERS = (  # the first that matches: Edge and Chrome say "Chrome", Chrome says "Safari"
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (  # Android says "Linux", iOS says "like Mac OS X"
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """A short name such as "Firefox on Android", "Chrome" or "a browser"."""
    agent = (user_agent or "")[:1000]
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"a browser on {system}" if system else "a browser")
