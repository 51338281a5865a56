"""Fill translations from a JSON file of msgid → msgstr: uv run python scripts/fill_translations.py <zh_CN|en> <file.json>"""

import json
import sys

from babel.messages.pofile import read_po, write_po

lang, path = sys.argv[1], sys.argv[2]
po_path = f"locale/{lang}/LC_MESSAGES/messages.po"
with open(po_path, "rb") as f:
    catalog = read_po(f, locale=lang)
words = json.load(open(path))
for msgid, msgstr in words.items():
    m = catalog.get(msgid)
    if m is None:
        print("missing", msgid)
        continue
    m.string = msgstr
    m.flags.discard("fuzzy")
with open(po_path, "wb") as f:
    write_po(f, catalog, sort_output=True)
