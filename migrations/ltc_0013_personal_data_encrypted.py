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
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-06T19:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Persons' id numbers, phones and addresses encrypted at rest, found by a blind index"

# Self-contained, like every migration: the envelope's format 1 and the key settings are
# written out here as they were when this ran (ltc.domain.personal_data is the living copy;
# a test checks both seal the same). The keys come from the same environment as the app's:
# LTC_DATA_KEYS or LTC_DATA_KEY_FILE (id:base64 pairs), LTC_DATA_KEY_ACTIVE, LTC_DATA_INDEX_KEY,
# LTC_DATA_CIPHER; none set: the public development keys of the demo and the tests.
DEV_KEY_ID = "dev"
DEV_DATA_KEY = hashlib.sha256(b"ltc development data key: public, never for real data").digest()
DEV_INDEX_KEY = hashlib.sha256(b"ltc development blind index key: public, never for real data").digest()
CIPHER_IDS = {"sm4-gcm": 1, "aes-256-gcm": 2}
SUBKEY_BYTES = {"sm4-gcm": 16, "aes-256-gcm": 32}


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
    cipher = os.environ.get("LTC_DATA_CIPHER", "sm4-gcm")
    index_text = os.environ.get("LTC_DATA_INDEX_KEY", "")
    if not keys:
        return (
            {DEV_KEY_ID: DEV_DATA_KEY},
            os.environ.get("LTC_DATA_KEY_ACTIVE") or DEV_KEY_ID,
            cipher,
            (_b64(index_text) if index_text else DEV_INDEX_KEY),
        )
    if not index_text:
        raise RuntimeError("LTC_DATA_KEYS needs LTC_DATA_INDEX_KEY")
    return keys, os.environ.get("LTC_DATA_KEY_ACTIVE") or next(iter(keys)), cipher, _b64(index_text)


def _sealer(secret, cipher):
    subkey = HKDF(
        algorithm=hashes.SHA256(),
        length=SUBKEY_BYTES[cipher],
        salt=None,
        info=f"ltc personal data {cipher}".encode("ascii"),
    ).derive(secret)
    if cipher == "aes-256-gcm":
        return AESGCM(subkey).encrypt

    def sm4(nonce, plain, associated):
        encryptor = Cipher(algorithms.SM4(subkey), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(associated)
        body = encryptor.update(plain) + encryptor.finalize()
        return body + encryptor.tag

    return sm4


def _sealing(key_id, secret, cipher):
    header = bytes((1, CIPHER_IDS[cipher], len(key_id))) + key_id.encode("ascii")
    encrypt = _sealer(secret, cipher)

    def seal(plain, where):
        if not plain:
            return ""
        nonce = os.urandom(12)
        sealed = encrypt(nonce, plain.encode("utf-8"), header + b"|" + where.encode("utf-8"))
        return base64.urlsafe_b64encode(header + nonce + sealed).rstrip(b"=").decode("ascii")

    return seal


async def encrypt_existing_rows():
    """Every person not yet encrypted (no blind index): sealed, indexed, clear values blanked."""
    engine = engine_finder()
    keys, active, cipher, index_key = _configured_keys()
    seal = _sealing(active, keys[active], cipher)
    rows = await engine.run_querystring(
        QueryString("SELECT id, id_number, phone, address FROM person WHERE id_number_index IS NULL ORDER BY id")
    )
    for row in rows:
        person = row["id"]
        number = (row["id_number"] or "").strip().upper()
        index = hmac.new(index_key, f"person.id_number|{number}".encode(), hashlib.sha256).hexdigest()
        await engine.run_querystring(
            QueryString(
                "UPDATE person SET id_number = {}, id_number_enc = {}, id_number_index = {}, phone = '',"
                " phone_enc = {}, address = '', address_enc = {}, data_key_id = {} WHERE id = {}",
                index[:18],
                seal(number, f"person.id_number#{person}"),
                index,
                seal(row["phone"] or "", f"person.phone#{person}"),
                seal(row["address"] or "", f"person.address#{person}"),
                active,
                person,
            )
        )


class _ColumnsThenRows(MigrationManager):
    """Raw steps run before the new columns exist; the rows are encrypted right after them,
    in the migration's one transaction, then the blind index is made unique."""

    async def _run_add_columns(self, backwards=False):
        await super()._run_add_columns(backwards=backwards)
        if not backwards and not self.preview:
            await encrypt_existing_rows()
            await engine_finder().run_ddl(
                "CREATE UNIQUE INDEX IF NOT EXISTS person_id_number_index_unique ON person (id_number_index)"
            )


def _params(**own):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **own,
    }


async def forwards():
    manager = _ColumnsThenRows(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for name in ("id_number_enc", "phone_enc", "address_enc"):
        manager.add_column(
            table_class_name="Person",
            tablename="person",
            column_name=name,
            db_column_name=name,
            column_class_name="Text",
            column_class=Text,
            params=_params(default=""),
            schema=None,
        )
    manager.add_column(
        table_class_name="Person",
        tablename="person",
        column_name="id_number_index",
        db_column_name="id_number_index",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=64, default=None, null=True),
        schema=None,
    )
    manager.add_column(
        table_class_name="Person",
        tablename="person",
        column_name="data_key_id",
        db_column_name="data_key_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=32, default="", index=True),
        schema=None,
    )
    return manager
