"""The storage interface, the same tests for both backends: a local folder and S3 (moto)."""
import os
import stat

import pytest

from halo.storage import FileMissing, StorageError, get_storage, init_storage
from tests.s3_support import bucket_keys, s3_config, s3_endpoint, s3_storage  # noqa: F401


@pytest.fixture
def local_storage(app, tmp_path):
    """Local storage in this test's own folders."""
    saved = app.extensions["halo_storage"]
    app.config.update(HALO_STORAGE="local", HALO_ATTACHMENT_DIR=str(tmp_path / "att"),
                      HALO_AVATAR_DIR=str(tmp_path / "avatars"))
    init_storage(app)
    yield tmp_path
    app.extensions["halo_storage"] = saved


@pytest.fixture(params=["local", "s3"])
def storage(request):
    request.getfixturevalue("local_storage" if request.param == "local" else "s3_storage")
    return get_storage()


def test_a_saved_file_reads_back_whole(storage):
    storage.save("attachments", "ab12cd", b"\x00binary\xffdata" * 1000)
    opened = storage.open("attachments", "ab12cd")
    assert opened.size == 12000 and opened.read() == b"\x00binary\xffdata" * 1000
    assert storage.exists("attachments", "ab12cd")
    assert not storage.exists("avatars", "ab12cd")  # areas are apart


def test_listing_gives_every_name_and_size_of_one_area(storage):
    storage.save("attachments", "aa01", b"1")
    storage.save("attachments", "bb02", b"22")
    storage.save("avatars", "pic_01.png", b"333")
    assert sorted(storage.list("attachments")) == [("aa01", 1), ("bb02", 2)]
    assert sorted(storage.list("avatars")) == [("pic_01.png", 3)]


def test_a_missing_file_is_file_missing_and_delete_is_idempotent(storage):
    with pytest.raises(FileMissing):
        storage.open("attachments", "nothing-here")
    storage.save("avatars", "gone.png", b"x")
    storage.delete("avatars", "gone.png")
    storage.delete("avatars", "gone.png")
    assert not storage.exists("avatars", "gone.png")
    with pytest.raises(FileMissing):
        storage.open("avatars", "gone.png")


@pytest.mark.parametrize("name", ["../secret_key", "a/b", ".hidden", "", "x" * 101, "a\\b", "na me"])
def test_names_halo_never_generates_are_refused_before_any_write(storage, name):
    with pytest.raises(StorageError):
        storage.save("attachments", name, b"x")
    with pytest.raises(FileMissing):
        storage.open("attachments", name)
    assert list(storage.list("attachments")) == []


def test_an_unknown_area_is_refused(storage):
    with pytest.raises(StorageError, match="Unknown storage area"):
        storage.save("instance", "secret_key", b"x")


def test_local_files_are_private_and_no_temporary_file_is_left(local_storage):
    get_storage().save("attachments", "cafe01", b"data")
    path = local_storage / "att" / "ca" / "cafe01"
    assert path.read_bytes() == b"data"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(local_storage / "att" / "ca") == ["cafe01"]


def test_s3_objects_are_keyed_by_prefix_area_and_name(s3_storage):
    get_storage().save("attachments", "f00d", b"payload")
    get_storage().save("avatars", "me.png", b"png")
    assert bucket_keys(s3_storage) == {"halo/attachments/f00d": b"payload", "halo/avatars/me.png": b"png"}


def test_s3_needs_a_bucket_and_an_unknown_backend_is_refused(app):
    saved = app.extensions["halo_storage"]
    try:
        app.config.update(HALO_STORAGE="s3", HALO_S3_BUCKET="")
        with pytest.raises(StorageError, match="HALO_S3_BUCKET"):
            init_storage(app)
        app.config.update(HALO_STORAGE="ftp")
        with pytest.raises(StorageError, match="'local' or 's3'"):
            init_storage(app)
    finally:
        app.extensions["halo_storage"] = saved
