import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

ID = "2026-12-07T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The person search: a blind index of phone numbers, indexes for name prefixes and the filters"

# Self-contained, like every migration: the envelope's format 1 and the key settings as
# they are when this runs (ltc.domain.personal_data is the living copy). The keys come from
# the app's environment: LTC_DATA_KEYS or LTC_DATA_KEY_FILE, LTC_DATA_INDEX_KEY; none set:
# the public development keys of the demo and the tests.
DEV_KEY_ID = "dev"
DEV_DATA_KEY = hashlib.sha256(b"ltc development data key: public, never for real data").digest()
DEV_INDEX_KEY = hashlib.sha256(b"ltc development blind index key: public, never for real data").digest()
CIPHER_NAMES = {1: "sm4-gcm", 2: "aes-256-gcm"}
SUBKEY_BYTES = {"sm4-gcm": 16, "aes-256-gcm": 32}
NONCE_BYTES = 12
TAG_BYTES = 16


def _b64(text):
    text = text.strip()
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _configured_keys():
    text = os.environ.get("LTC_DATA_KEYS", "")
    key_file = os.environ.get("LTC_DATA_KEY_FILE", "")
    if not text and key_file:
        text = Path(key_file).read_text(encoding="utf-8")
    keys = {}
    for raw in text.replace(",", "\n").splitlines():
        item = raw.split("#", 1)[0].strip()
        if item:
            key_id, _, encoded = item.partition(":")
            keys[key_id.strip()] = _b64(encoded)
    index_text = os.environ.get("LTC_DATA_INDEX_KEY", "")
    if not keys:
        return {DEV_KEY_ID: DEV_DATA_KEY}, (_b64(index_text) if index_text else DEV_INDEX_KEY)
    if not index_text:
        raise RuntimeError("LTC_DATA_KEYS needs LTC_DATA_INDEX_KEY")
    return keys, _b64(index_text)


def _subkey(secret, cipher):
    return HKDF(
        algorithm=hashes.SHA256(),
        length=SUBKEY_BYTES[cipher],
        salt=None,
        info=f"ltc personal data {cipher}".encode("ascii"),
    ).derive(secret)


def _open(keys, envelope, where):
    """The clear value of an envelope of format 1 (see the module's note)."""
    if not envelope:
        return ""
    raw = base64.urlsafe_b64decode(envelope + "=" * (-len(envelope) % 4))
    cipher, n = CIPHER_NAMES[raw[1]], raw[2]
    header, key_id = raw[: 3 + n], raw[3 : 3 + n].decode("ascii")
    nonce, sealed = raw[3 + n : 3 + n + NONCE_BYTES], raw[3 + n + NONCE_BYTES :]
    subkey = _subkey(keys[key_id], cipher)
    associated = header + b"|" + where.encode("utf-8")
    if cipher == "aes-256-gcm":
        return AESGCM(subkey).decrypt(nonce, sealed, associated).decode("utf-8")
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(subkey), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated)
    return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")


def _phone_index(index_key, phone):
    text = phone.strip()
    number = ("+" if text.startswith("+") else "") + "".join(c for c in text if c.isdigit())
    if not number:
        return None
    return hmac.new(index_key, f"person.phone|{number.upper()}".encode(), hashlib.sha256).hexdigest()


async def index_existing_phones():
    """Every person with a sealed phone and no phone index yet gets one."""
    engine = engine_finder()
    keys, index_key = _configured_keys()
    rows = await engine.run_querystring(
        QueryString("SELECT id, phone_enc FROM person WHERE phone_index IS NULL AND phone_enc <> '' ORDER BY id")
    )
    for row in rows:
        phone = _open(keys, row["phone_enc"], f"person.phone#{row['id']}")
        index = _phone_index(index_key, phone)
        if index is not None:
            await engine.run_querystring(
                QueryString("UPDATE person SET phone_index = {} WHERE id = {}", index, row["id"])
            )


async def index_the_search():
    """A name-prefix search (LIKE '王%') uses this index: on PostgreSQL only with the pattern
    operator class (the database's collation is not bytewise), on SQLite as a range."""
    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS person_name_prefix ON person (name varchar_pattern_ops, id)")
    else:
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS person_name_prefix ON person (name, id)")
    # The list's filters read in id order (keyset paging): each filter with the order behind it.
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS person_town_id ON person (town, id)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS person_insured_id ON person (insured, id)")


class _ColumnThenRows(MigrationManager):
    async def _run_add_columns(self, backwards=False):
        await super()._run_add_columns(backwards=backwards)
        if not backwards and not self.preview:
            await index_existing_phones()
            await index_the_search()


async def forwards():
    manager = _ColumnThenRows(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Person",
        tablename="person",
        column_name="phone_index",
        db_column_name="phone_index",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
