def layout(request):
    """The top bar's sections, with the one the current URL belongs to marked active."""
    path = request.path
    sections = [
        ("Campaigns", "/campaigns/"),
        ("Redemptions", "/redemptions/"),
        ("Audit log", "/audit-log/"),
    ]
    return {"nav_sections": [{"label": label, "url": url, "active": path.startswith(url)} for label, url in sections]}
