"""`sheets-sync init`: a commented configuration that loads, from prompts or options."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.config import Settings, load_settings

OPTIONS = [
    "--superior",
    "Liên đoàn Lao động thành phố Hà Nội",
    "--federation",
    'Liên đoàn Lao động huyện "Gia Lâm"',
    "--place",
    "Gia Lâm",
    "--deadline",
    "2026-12-31",
    "--signer",
    "Nguyễn Văn An",
]


def init(path: Path, *args: str, answers: str = ""):
    return CliRunner().invoke(main, ["init", "--out", str(path), *args], input=answers)


def test_the_answers_to_the_prompts_make_a_file_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "sheets-sync.toml"
    typed = (
        "\nLiên đoàn Lao động quận Hoàn Kiếm\nHoàn Kiếm\n31/13/2026\n15/03/2026\nTrần Thị Bình\n"
    )
    result = init(path, answers=typed)
    assert result.exit_code == 0, result.output
    assert "Lỗi: '31/13/2026' không phải một ngày" in result.output  # asked again
    assert result.output.splitlines()[-1].endswith(
        f"Đã viết {path}. Kiểm tra cả thiết lập bằng: sheets-sync doctor NGUỒN"
    )
    settings = load_settings(path)
    docs = settings.documents
    assert settings.deadline == date(2026, 3, 15)
    assert docs.superior_body == "LIÊN ĐOÀN LAO ĐỘNG QUẬN HOÀN KIẾM"
    assert docs.summary_issuer == "LIÊN ĐOÀN LAO ĐỘNG QUẬN HOÀN KIẾM"
    assert docs.summary_superior_body == Settings().documents.summary_superior_body
    assert docs.place == "Hoàn Kiếm"
    assert docs.summary_signer_name == "Trần Thị Bình"
    assert path.read_text("utf-8").startswith("# Cấu hình sheets-sync của Liên đoàn Lao động")


def test_options_make_the_file_without_a_question(tmp_path: Path) -> None:
    path = tmp_path / "cau-hinh.toml"
    result = init(path, *OPTIONS)
    assert result.exit_code == 0, result.output
    assert (
        result.output == f"Đã viết {path}. Kiểm tra cả thiết lập bằng: sheets-sync doctor NGUỒN\n"
    )
    docs = load_settings(path).documents
    assert docs.superior_body == 'LIÊN ĐOÀN LAO ĐỘNG HUYỆN "GIA LÂM"'
    assert load_settings(path).deadline == date(2026, 12, 31)


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "sheets-sync.toml"
    path.write_text("deadline = 2024-02-05\n# của tôi\n", "utf-8")
    before = path.read_bytes()
    result = init(path, answers="\n\n\n\n\n")
    assert result.exit_code == 1
    assert result.output == (
        f"Lỗi: Đã có tệp {path}: giữ nguyên tệp đó. Muốn viết lại, chạy lệnh với --force "
        "(tệp cũ sẽ bị thay).\n"
    )
    assert path.read_bytes() == before
    forced = init(path, *OPTIONS, "--force")
    assert forced.exit_code == 0
    assert load_settings(path).documents.place == "Gia Lâm"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheets-sync.toml"]


def test_a_deadline_option_that_is_not_a_day_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sheets-sync.toml"
    args = [*OPTIONS[:6], "--deadline", "mai", *OPTIONS[8:]]
    result = init(path, *args)
    assert result.exit_code == 1
    assert result.output == (
        "Lỗi: 'mai' không phải một ngày: viết dạng ngày/tháng/năm, ví dụ 05/02/2024.\n"
    )
    assert not path.exists()
