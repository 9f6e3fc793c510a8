"""Small screens: no page scrolls sideways on a 360 px wide phone (WCAG 1.4.10 Reflow)."""

from __future__ import annotations

import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PHONE_WIDTH = 360

# The widest elements that stick out on the right, to tell the page's owner where to look.
OVERFLOWING = """(width) => {
  const describe = (el) => el.tagName.toLowerCase()
    + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
       ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  return [...document.body.querySelectorAll("*")]
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.right > width + 1 && box.width > 0)
    .sort((a, b) => b[1].right - a[1].right)
    .slice(0, 5)
    .map(([el, box]) => `${describe(el)} (right edge at ${Math.round(box.right)} px)`);
}"""


def test_no_page_scrolls_sideways_on_a_phone(phone_page, public_site):
    problems = []
    for label, path in public_site.pages.items():
        status = public_site.open(phone_page, path)
        if status != 200:
            problems.append(f"{label} {path}: HTTP {status}")
            continue
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            culprits = phone_page.evaluate(OVERFLOWING, PHONE_WIDTH)
            problems.append(
                f"{label} {path}: {width} px wide at {PHONE_WIDTH} px; "
                f"widest elements: {'; '.join(culprits) or 'none found'}"
            )
    assert not problems, "Horizontal scrolling on a phone:\n" + "\n".join(problems)


@pytest.mark.parametrize("which", ["protocol", "search"])
def test_screenshots(make_page, public_site, screenshots_dir, which):
    """Full-page screenshots for a person to look at (test-artifacts/screenshots/)."""
    shots = {
        f"{which}-360px.png": make_page(phone=True),
        f"{which}-1280px.png": make_page(),
    }
    for name, page in shots.items():
        path = screenshots_dir / name
        path.unlink(missing_ok=True)
        assert public_site.open(page, getattr(public_site, which)) == 200
        page.screenshot(path=str(path), full_page=True)

        assert path.is_file(), path
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
        assert len(data) > 1000, f"{path} is suspiciously small ({len(data)} bytes)"
