from meetings.markdown import render_markdown


def test_it_renders_the_protocols_lists_links_and_bold_text():
    html = render_markdown(
        "**måndagar 13:30**\n\n- Hur ser tidsschemat ut?\n  - o Anne sätter ihop en grupp.\n\n"
        "1. ett\n2. två\n\nLäs mer: <http://www.curiocity.se/>"
    )
    assert "<strong>måndagar 13:30</strong>" in html
    assert html.count("<ul>") == 2
    assert "<ol>" in html
    assert '<a href="http://www.curiocity.se/"' in html


def test_scripts_and_javascript_links_never_reach_the_page():
    html = render_markdown(
        '<script>alert(1)</script> [klick](javascript:alert(1)) <a href="javascript:x">a</a>'
        ' <img src=x onerror="alert(1)">'
    )
    assert "<script" not in html
    assert "<a" not in html  # neither link survives as a link
    assert "<img" not in html
    assert "&lt;script&gt;" in html  # shown as the text it was, not run
