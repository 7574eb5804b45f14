"""FastAPI app run as a Lambda function through Mangum.

The routes cover the kinds of traffic that a reverse proxy in front of Lambda
has to carry. There is an HTML page, a JSON API with 201 and 404 responses, a
url-encoded form post, cookies set and deleted through Set-Cookie, redirects
and a binary PNG body. The function code needs fastapi, mangum and
python-multipart, which the `examples` extra of lamux installs.
"""

import html
import struct
import zlib
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from mangum import Mangum
from pydantic import BaseModel, Field

app = FastAPI(title="lamux web example")


# Cookie values are restricted to these characters so that Set-Cookie carries
# them unquoted.
COOKIE_VALUE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class ItemCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    price_cents: int = Field(ge=0)


class Item(ItemCreate):
    id: int


# NOTE: Items live in the memory of one execution environment. An item created
# by POST /api/items is visible only to later requests served by the same
# environment, and it is gone when that environment stops.
ITEMS: dict[int, Item] = {
    1: Item(id=1, name="desk lamp", price_cents=2500),
    2: Item(id=2, name="coffee mug", price_cents=900),
}


def render_page(title: str, body: str) -> str:
    """Wrap an HTML fragment in a complete page with a link back to /."""
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>\n'
        f"<body><h1>{html.escape(title)}</h1>\n{body}\n"
        '<p><a href="/">Back to the index</a></p></body></html>\n'
    )


def redirect(location: str, status_code: int) -> HTMLResponse:
    """Build a redirect with a short HTML note as its body, as RFC 9110 suggests."""
    note = f'<p>See <a href="{html.escape(location)}">{html.escape(location)}</a>.</p>'
    return HTMLResponse(
        render_page("Redirect", note), status_code=status_code, headers={"location": location}
    )


def make_png(width: int, height: int, pixel) -> bytes:
    """Encode an 8-bit RGB PNG whose colours come from pixel(x, y) -> (r, g, b)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        # The CRC covers the chunk type and data, but not the length field.
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # Width, height, bit depth 8, colour type 2 (RGB), compression 0,
    # filter method 0, no interlace.
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type 0 (None) for each scanline
        for x in range(width):
            rows.extend(pixel(x, y))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def logo_pixel(x: int, y: int) -> tuple[int, int, int]:
    """Draw a dark lambda sign on an orange 32 x 32 background."""
    inside = 4 <= y <= 27
    long_stroke = abs(4 * x - 3 * y - 20) <= 6
    short_stroke = y >= 16 and abs(x + y - 33) <= 1
    if inside and (long_stroke or short_stroke):
        return (35, 47, 62)
    return (255, 153, 0)


LOGO_SIZE = 32
LOGO_PNG = make_png(LOGO_SIZE, LOGO_SIZE, logo_pixel)


@app.get("/", response_class=HTMLResponse)
async def index() -> str:
    links = [
        ("/api/items", "GET /api/items: all items as JSON"),
        ("/api/items/1", "GET /api/items/1: one item"),
        ("/api/items/999", "GET /api/items/999: an unknown item, 404"),
        ("/form", "GET /form: a url-encoded form"),
        ("/login?user=alice&theme=dark", "/login: set two cookies and redirect to /me"),
        ("/me", "/me: read the cookies"),
        ("/logout", "/logout: delete the cookies"),
        ("/old", "/old: a permanent redirect to this page"),
        ("/logo.png", "/logo.png: a PNG image"),
    ]
    list_entries = []
    for href, text in links:
        list_entries.append(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>')
    items = "\n".join(list_entries)
    body = (
        f"<p>A FastAPI app running as a Lambda function.</p>\n<ul>\n{items}\n</ul>\n"
        f'<img src="/logo.png" width="{LOGO_SIZE}" height="{LOGO_SIZE}" alt="logo">'
    )
    return render_page("lamux web example", body)


@app.get("/api/items")
async def list_items() -> list[Item]:
    return list(ITEMS.values())


@app.get("/api/items/{item_id}")
async def get_item(item_id: int) -> Item:
    item = ITEMS.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail=f"Item {item_id} not found.")
    return item


@app.post("/api/items", status_code=201)
async def create_item(new_item: ItemCreate) -> Item:
    item = Item(id=max(ITEMS, default=0) + 1, **new_item.model_dump())
    ITEMS[item.id] = item
    return item


@app.get("/form", response_class=HTMLResponse)
async def show_form() -> str:
    form = (
        '<form method="post" action="/form">\n'
        '<label>Name <input name="name" required></label>\n'
        '<label>Message <textarea name="message"></textarea></label>\n'
        '<button type="submit">Send</button>\n'
        "</form>"
    )
    return render_page("Form", form)


@app.post("/form", response_class=HTMLResponse)
async def submit_form(name: Annotated[str, Form()], message: Annotated[str, Form()] = "") -> str:
    result = (
        f"<p>Name: <strong>{html.escape(name)}</strong></p>\n"
        f"<p>Message: {html.escape(message)}</p>"
    )
    return render_page("Form received", result)


# GET is accepted as well as POST so that the link on the index page logs in.
@app.api_route("/login", methods=["GET", "POST"])
async def login(
    user: Annotated[str, Query(pattern=COOKIE_VALUE_PATTERN)] = "guest",
    theme: Annotated[str, Query(pattern=COOKIE_VALUE_PATTERN)] = "light",
) -> HTMLResponse:
    response = redirect("/me", 303)
    response.set_cookie("user", user, httponly=True, samesite="lax")
    response.set_cookie("theme", theme, samesite="lax")
    return response


@app.get("/me")
async def me(request: Request) -> JSONResponse:
    user = request.cookies.get("user")
    if user is None:
        return JSONResponse({"detail": "Not logged in. Visit /login first."}, status_code=401)
    return JSONResponse({"user": user, "theme": request.cookies.get("theme")})


@app.get("/logout")
async def logout() -> HTMLResponse:
    response = redirect("/", 303)
    # A browser replaces a cookie only when name, domain and path match, so the
    # default path "/" here must stay the same as in login().
    response.delete_cookie("user", httponly=True, samesite="lax")
    response.delete_cookie("theme", samesite="lax")
    return response


@app.get("/old")
async def old() -> HTMLResponse:
    return redirect("/", 301)


@app.get("/logo.png")
async def logo() -> Response:
    return Response(LOGO_PNG, media_type="image/png")


# With lifespan "auto" or "on", Mangum would run the ASGI startup and shutdown
# events around every invocation. This app has no such events.
handler = Mangum(app, lifespan="off")
