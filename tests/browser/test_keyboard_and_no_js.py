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
    assert page.evaluate("1 + 1") == 2  # Playwright's own evaluation still works

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

    assert public_site.open(page, public_site.protocol) == 200
    heading = page.locator("main h1").first.inner_text()
    assert public_site.protocol_heading in heading, heading


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(page, public_site):
    assert public_site.open(page, public_site.home) == 200

    focused = tab(page)
    assert focused is not None and focused["text"] == SKIP_LINK_TEXT, focused
    assert focused["width"] > 1 and focused["height"] > 1, "the skip link stays hidden on focus"
    assert has_focus_indicator(focused), f"no visible focus on the skip link: {focused}"

    page.keyboard.press("Enter")
    focused = page.evaluate(FOCUSED)
    assert focused is not None and focused["tag"] == "main", focused
    focused = tab(page)
    assert focused is not None and focused["inMain"], f"Tab after the skip link: {focused}"


def test_the_menu_and_the_search_box_are_reached_with_visible_focus(page, public_site):
    from django.urls import reverse

    assert public_site.open(page, public_site.home) == 200
    menu = {
        reverse(name)
        for name in ("meetings:archive", "projects:list", "organisations:list", "meetings:calendar")
    }

    reached_links, search_box, invisible = set(), False, []
    for _ in range(40):
        focused = tab(page)
        if focused is None or focused["inMain"]:
            break
        if not has_focus_indicator(focused):
            invisible.append(
                f"{describe(focused)}: outline {focused['outline']}, "
                f"box-shadow {focused['boxShadow']}"
            )
        if focused["inHeader"] and focused["href"] in menu:
            reached_links.add(focused["href"])
        if focused["inHeader"] and focused["name"] == "q":
            search_box = True

    assert reached_links == menu, f"menu links never focused: {sorted(menu - reached_links)}"
    assert search_box, "Tab never reaches the search box"
    assert not invisible, "focused without a visible focus indicator:\n" + "\n".join(invisible)
