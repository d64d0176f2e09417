from datetime import date, datetime
from pathlib import Path

import pytest

from sheets_sync.config import HEADER_ALIASES, Settings, load_settings, settings_from_dict
from sheets_sync.errors import ConfigError


def test_no_file_gives_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(None) == Settings()


def test_a_file_in_the_working_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("sheets-sync.toml").write_text("deadline = 2024-03-01\n", "utf-8")
    assert load_settings(None).deadline == date(2024, 3, 1)


def test_question_titles_add_to_the_built_in_ones():
    settings = settings_from_dict({"headers": {"unit": ["Đơn vị"]}})
    assert settings.headers["unit"] == [*HEADER_ALIASES["unit"], "Đơn vị"]


def test_tables_and_documents_merge_over_defaults():
    data = {
        "abbreviations": {"PTDTNT": "Phổ thông dân tộc nội trú"},
        "status_texts": {"ok": "Đạt"},
        "documents": {"place": "Ba Đình", "date": date(2024, 2, 6)},
    }
    settings = settings_from_dict(data)
    assert settings.abbreviations["PTDTNT"] == "Phổ thông dân tộc nội trú"
    assert settings.abbreviations["THCS"] == "Trung học cơ sở"
    assert settings.status_texts == {**Settings().status_texts, "ok": "Đạt"}
    assert settings.documents.place == "Ba Đình"
    assert settings.documents.date == date(2024, 2, 6)
    assert "documents" in data  # the caller's document is left as it was


def test_a_day_in_quotes_is_taken_as_that_day(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("sheets-sync.toml").write_text(
        'deadline = "2024-03-01"\n[documents]\ndate = " 2024-02-06 "\n', "utf-8"
    )
    settings = load_settings(None)
    assert settings.deadline == date(2024, 3, 1)
    assert settings.documents.date == date(2024, 2, 6)


@pytest.mark.parametrize("mode", ["submission", "today", "blank"])
def test_documents_date_takes_a_mode(mode):
    assert settings_from_dict({"documents": {"date": mode}}).documents.date == mode


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"deadlin": date(2024, 2, 5)}, "khóa 'deadlin' phải là một khóa đã biết"),
        ({"deadline": "05/02/2024"}, "khóa 'deadline' phải là một ngày dạng 2024-02-05"),
        ({"deadline": datetime(2024, 2, 5, 10)}, "khóa 'deadline' phải là một ngày"),
        ({"status_texts": {"ok": 1}}, "khóa 'ok' phải là một chuỗi khác rỗng"),
        ({"status_texts": {"ok": " "}}, "khóa 'ok' phải là một chuỗi khác rỗng"),
        ({"status_texts": {"tot": "Tốt"}}, "khóa 'tot' phải là một khóa đã biết"),
        ({"abbreviations": {"THCS": 5}}, "khóa 'THCS' phải là một chuỗi khác rỗng"),
        ({"headers": {"unit": "Đơn vị"}}, "khóa 'unit' phải là một danh sách tên câu hỏi"),
        ({"headers": {"unti": ["Đơn vị"]}}, "khóa 'unti' phải là một danh sách tên câu hỏi"),
        ({"unit_prefixes": "Trường"}, "khóa 'unit_prefixes' phải là một danh sách chuỗi"),
        ({"documents": {"place": 3}}, "[documents]: khóa 'place' phải là một chuỗi"),
        ({"documents": []}, "phải là một bảng"),
        ({"documents": {"date": "hom nay"}}, 'khóa \'date\' phải là "submission", "today"'),
        ({"documents": {"date": 5}}, "khóa 'date' phải là \"submission\""),
        ({"documents": {"date": "2024-02-30"}}, "'date' phải là một ngày có thật (2024-02-30"),
        ({"deadline": "2024-13-01"}, "'deadline' phải là một ngày có thật (2024-13-01 không có"),
    ],
)
def test_wrong_values_name_the_key(data, message):
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(data, "c.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("Tệp cấu hình c.toml")


def test_unreadable_toml_is_a_config_error(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("deadline = \n", "utf-8")
    with pytest.raises(ConfigError, match="sai cú pháp TOML"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="Không tìm thấy tệp cấu hình"):
        load_settings(tmp_path / "none.toml")
