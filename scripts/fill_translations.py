"""Fills translations from a JSON object of msgid → msgstr (a list of forms for a plural):

uv run python scripts/fill_translations.py <zh_CN|en> <file.json>
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

language, path = sys.argv[1], sys.argv[2]
po_path = f"locale/{language}/LC_MESSAGES/messages.po"
with open(po_path, "rb") as po_file:
    catalog = read_po(po_file, locale=language)
with open(path, encoding="utf-8") as words_file:
    words = json.load(words_file)
for message in catalog:
    if not message.id:
        continue
    key = message.id[0] if isinstance(message.id, tuple | list) else message.id
    if key not in words:
        continue
    value = words[key]
    message.string = tuple(value) if message.pluralizable and isinstance(value, list) else value
    message.flags.discard("fuzzy")
with open(po_path, "wb") as po_file:
    write_po(po_file, catalog, sort_output=True)
