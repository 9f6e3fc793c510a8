"""The site works without JavaScript and with the keyboard alone."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

SKIP_LINK_TEXT = "Hoppa till innehållet"

# What has the focus, and whether it shows: an outline or a box shadow (Bootstrap's
# focus ring) on the focused element.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name"),
    type: el.getAttribute("type"),
    href: el.getAttribute("href"),
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    inHeader: !!el.closest("header"),
    inMain: !!el.closest("main"),
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    outlineShown: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    boxShadow: style.boxShadow,
    width: box.width,
    height: box.height,
  };
}"""


def describe(focused: dict) -> str:
    what = focused["href"] or focused["name"] or focused["id"] or ""
    return f"<{focused['tag']}> {focused['text']!r} {what}".strip()


def has_focus_indicator(focused: dict) -> bool:
    return focused["outlineShown"] or focused["boxShadow"] not in ("", "none")


def tab(page) -> dict | None:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def test_the_public_pages_work_without_javascript(make_page, public_site):
    page = make_page(javascript=False)

    assert public_site.open(page, public_site.home) == 200
    assert page.locator("main h1").count() >= 1, "the start page has no heading"
    assert page.locator("main").inner_text().strip(), "the start page has no content"

    # The archive's filter form, submitted with its button as a person would.
    assert public_site.open(page, public_site.archive) == 200
    form = page.locator("main form:has([name=q])").first
    assert form.count() == 1, "the archive has no filter form with a search field"
    form.locator("[name=q]").fill(public_site.search_word)
    year = form.locator("[name=year]")
    if year.count() and year.first.evaluate("el => el.tagName") == "SELECT":
        year.first.select_option(str(public_site.search_year))
    elif year.count():
        year.first.fill(str(public_site.search_year))
    button = form.locator("button:not([type=button]):not([type=reset]), input[type=submit]")
    with page.expect_navigation() as navigation:
        button.first.click()
    assert navigation.value.status == 200
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("q") == [public_site.search_word], page.url
    if year.count():
        assert query.get("year") == [str(public_site.search_year)], page.url
    found = page.locator(f'main a[href$="{public_site.protocol}"]')
    assert found.count() >= 1, (
        f"searching for {public_site.search_word!r} in {public_site.search_year} "
        f"does not list the protocol it comes from ({public_site.protocol})"
    )

    # The search box in the header, submitted with Enter, finds the protocol too.
    assert public_site.open(page, public_site.home) == 200
    page.locator("header [name=q]").fill(public_site.search_word)
    with page.expect_navigation() as navigation:
        page.locator("header [name=q]").press("Enter")
    assert navigation.value.status == 200
    assert urlsplit(page.url).path == "/sok/", page.url
    assert page.locator(f'main a[href^="{public_site.protocol}"]').count() >= 1, page.url
    assert page.locator("main mark").count() >= 1, "the search results highlight nothing"

    assert public_site.open(page, public_site.protocol) == 200
    heading = page.locator("main h1").first.inner_text()
    assert public_site.protocol_heading in heading, heading


def test_the_keyboard_alone_reaches_the_menu_search_and_content_with_visible_focus(
    page, public_site
):
    """From the top of the start page: skip link first, then the menu and the search box.

    One test (one load of the demo data) for the whole header, walked with Tab.
    """
    from django.urls import reverse

    menu = {
        reverse(name)
        for name in ("meetings:archive", "projects:list", "organisations:list", "meetings:calendar")
    }
    assert public_site.open(page, public_site.home) == 200

    # Tab through the header until the focus enters the main content.
    focus_order, invisible = [], []
    for _ in range(40):
        focused = tab(page)
        if focused is None or focused["inMain"]:
            break
        focus_order.append(focused)
        if not has_focus_indicator(focused):
            invisible.append(
                f"{describe(focused)}: outline {focused['outline']}, "
                f"box-shadow {focused['boxShadow']}"
            )

    assert focus_order, "Tab focuses nothing"
    skip_link = focus_order[0]
    assert skip_link["text"] == SKIP_LINK_TEXT, f"Tab first focuses {describe(skip_link)}"
    assert skip_link["width"] > 1 and skip_link["height"] > 1, "the skip link stays hidden"
    reached = {f["href"] for f in focus_order if f["inHeader"] and f["href"] in menu}
    assert reached == menu, f"menu links never focused: {sorted(menu - reached)}"
    assert any(f["inHeader"] and f["name"] == "q" for f in focus_order), (
        "Tab never reaches the search box: " + ", ".join(describe(f) for f in focus_order)
    )
    assert not invisible, "focused without a visible focus indicator:\n" + "\n".join(invisible)

    # From the top again: the skip link moves the focus to the main content.
    assert public_site.open(page, public_site.home) == 200
    assert tab(page)["text"] == SKIP_LINK_TEXT
    page.keyboard.press("Enter")
    focused = page.evaluate(FOCUSED)
    assert focused is not None and focused["tag"] == "main", f"Enter on the skip link: {focused}"
    focused = tab(page)
    assert focused is not None and focused["inMain"], f"Tab after the skip link: {focused}"
