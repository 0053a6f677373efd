"""``make messages``: shows translators the Vietnamese and English text of every key in ``messages.pot``.

The catalogues use keys as msgids (``login.title``), so a translator's tool would show only the key. Between
``pybabel extract`` and ``pybabel update``, this writes each key's Vietnamese and English texts into the
template as extracted comments (``#. vi: …``); ``pybabel update`` copies them into every language's file, where
Poedit shows them as notes for translators and Weblate as the source explanation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from survey_api.i18n import DOMAIN, LOCALE_DIR

SHOWN = ("vi", "en")
WIDTH = 120


def annotate(locale_dir: Path = LOCALE_DIR) -> int:
    """Write the shown languages' texts into ``messages.pot`` as extracted comments; the number of keys."""
    pot_path = locale_dir / f"{DOMAIN}.pot"
    with pot_path.open("rb") as f:
        template = read_po(f)
    texts = {}
    for lang in SHOWN:
        with (locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
            texts[lang] = {m.id: m.string for m in read_po(f) if m.id}
    for message in template:
        if not message.id:
            continue
        message.auto_comments = [f"{lang}: {texts[lang][message.id]}" for lang in SHOWN if texts[lang].get(message.id)]
    with pot_path.open("wb") as f:
        write_po(f, template, width=WIDTH)
    return sum(1 for m in template if m.id)


if __name__ == "__main__":
    count = annotate(Path(sys.argv[1]) if len(sys.argv) > 1 else LOCALE_DIR)
    print(f"{count} keys in {DOMAIN}.pot, with their Vietnamese and English texts as comments")
