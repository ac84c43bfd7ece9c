"""Interface texts in Russian and English; the language comes from a cookie or the browser."""

from __future__ import annotations

LANGUAGES = ("ru", "en")
DEFAULT = "ru"

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "app.tagline": ("Коуч для Go-инженера: Middle → Senior → Architect",
                    "A coach for Go engineers: Middle → Senior → Architect"),
    "nav.roadmaps": ("Программы", "Roadmaps"),
    "nav.import": ("Импорт", "Import"),
    "roadmaps.title": ("Учебные программы", "Curricula"),
    "roadmaps.items": ("пунктов", "items"),
    "roadmaps.done": ("сделано", "done"),
    "roadmaps.empty": ("Программ пока нет — импортируйте Markdown.",
                       "No roadmaps yet — import a Markdown file."),
    "status.todo": ("к выполнению", "to do"),
    "status.in_progress": ("в работе", "in progress"),
    "status.done": ("сделано", "done"),
    "status.skipped": ("пропущено", "skipped"),
    "item.note": ("Заметка", "Note"),
    "item.evidence": ("Ссылки-доказательства (по одной в строке)", "Evidence links (one per line)"),
    "item.save": ("Сохранить", "Save"),
    "roadmap.export": ("Экспорт в Markdown", "Export to Markdown"),
    "roadmap.expand": ("Развернуть всё", "Expand all"),
    "roadmap.collapse": ("Свернуть всё", "Collapse all"),
    "roadmap.show_all": ("Показать и справочные пункты", "Show reference bullets too"),
    "stats.modules": ("Модулей", "Modules"),
    "stats.questions": ("Вопросов", "Questions"),
    "stats.level": ("Уровень", "Level"),
    "import.title": ("Импорт программы", "Import a roadmap"),
    "import.help": ("Markdown-файл с заголовками и списками (UTF-8, UTF-16, cp1251; «кракозябры» "
                    "исправляются). Повторный импорт сохраняет прогресс.",
                    "A Markdown file with headings and lists (UTF-8, UTF-16, cp1251; mojibake is "
                    "repaired). Re-importing keeps your progress."),
    "import.file": ("Файл", "File"),
    "import.slug": ("Идентификатор (необязательно)", "Id (optional)"),
    "import.dry_run": ("Только показать изменения", "Only show what would change"),
    "import.submit": ("Импортировать", "Import"),
    "import.done": ("Импорт завершён", "Import finished"),
    "import.preview": ("Предпросмотр импорта", "Import preview"),
    "error.title": ("Ошибка", "Error"),
    "lang.switch": ("English", "Русский"),
}


def pick_language(cookie: str | None, accept_language: str | None, forced: str = "") -> str:
    """The interface language: setting, then cookie, then the browser's first known language."""
    if forced in LANGUAGES:
        return forced
    if cookie in LANGUAGES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def translate(key: str, lang: str) -> str:
    """The text for `key` in `lang` (the key itself if it is missing)."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(lang)] if lang in LANGUAGES else pair[0]
