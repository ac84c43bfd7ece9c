"""Interface texts in Russian and English; the language comes from a cookie or the browser."""

from __future__ import annotations

LANGUAGES = ("ru", "en")
DEFAULT = "ru"

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "app.tagline": (
        "Коуч для Go-инженера: Middle → Senior → Architect",
        "A coach for Go engineers: Middle → Senior → Architect",
    ),
    "nav.roadmaps": ("Программы", "Roadmaps"),
    "nav.import": ("Импорт", "Import"),
    "roadmaps.title": ("Учебные программы", "Curricula"),
    "roadmaps.items": ("пунктов", "items"),
    "roadmaps.done": ("сделано", "done"),
    "roadmaps.empty": (
        "Программ пока нет — импортируйте Markdown.",
        "No roadmaps yet — import a Markdown file.",
    ),
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
    "import.help": (
        "Markdown-файл с заголовками и списками (UTF-8, UTF-16, cp1251; «кракозябры» "
        "исправляются). Повторный импорт сохраняет прогресс.",
        "A Markdown file with headings and lists (UTF-8, UTF-16, cp1251; mojibake is "
        "repaired). Re-importing keeps your progress.",
    ),
    "import.file": ("Файл", "File"),
    "import.slug": ("Идентификатор (необязательно)", "Id (optional)"),
    "import.dry_run": ("Только показать изменения", "Only show what would change"),
    "import.submit": ("Импортировать", "Import"),
    "import.done": ("Импорт завершён", "Import finished"),
    "import.preview": ("Предпросмотр импорта", "Import preview"),
    "error.title": ("Ошибка", "Error"),
    "lang.switch": ("English", "Русский"),
    # study plan, today, time log, reports, milestones, dashboard
    "nav.dashboard": ("Обзор", "Dashboard"),
    "nav.today": ("Сегодня", "Today"),
    "nav.plan": ("План", "Plan"),
    "plan.title": ("План обучения", "Study plan"),
    "plan.none": (
        "Плана пока нет. Выберите программы, дату начала и часы в неделю — gocoach "
        "разложит программу по неделям.",
        "No plan yet. Pick roadmaps, a start date and hours per week — gocoach lays "
        "the roadmap out on the calendar.",
    ),
    "plan.new": ("Новый план", "New plan"),
    "plan.roadmaps": ("Программы (по порядку прохождения)", "Roadmaps (taken in this order)"),
    "plan.start": ("Дата начала", "Start date"),
    "plan.hours": (
        "Часов в неделю (пусто — из программы, иначе 10)",
        "Hours per week (empty: from the roadmap, else 10)",
    ),
    "plan.off": (
        "Дни отдыха: по диапазону в строке, ГГГГ-ММ-ДД..ГГГГ-ММ-ДД",
        "Days off: one range per line, YYYY-MM-DD..YYYY-MM-DD",
    ),
    "plan.name": ("Название (необязательно)", "Name (optional)"),
    "plan.create": ("Составить план", "Make the plan"),
    "plan.replace_note": (
        "Новый план станет активным; старый и его отчёты сохранятся.",
        "The new plan becomes the active one; the old plan and its reports are kept.",
    ),
    "plan.week": ("Неделя", "Week"),
    "plan.dates": ("Даты", "Dates"),
    "plan.items": ("Пункты", "Items"),
    "plan.budget": ("Часы по плану", "Hours planned"),
    "plan.logged": ("Часы факт", "Hours logged"),
    "plan.off_week": ("отдых", "off"),
    "plan.this_week": ("эта неделя", "this week"),
    "plan.ends": ("Окончание", "Ends"),
    "plan.per_week": ("ч/нед", "h/week"),
    "plan.calendar": ("Календарь (.ics)", "Calendar (.ics)"),
    "plan.replan": ("Перепланировать", "Re-plan"),
    "plan.replan_info": (
        "Просрочено пунктов: {late}. Перепланирование сдвинет {moved} пунктов "
        "на {shift} нед. с сохранением порядка; план закончится {new_end} "
        "вместо {old_end}.",
        "{late} items are late. Re-planning moves {moved} items by {shift} "
        "week(s), keeping their order; the plan will end on {new_end} instead "
        "of {old_end}.",
    ),
    "plan.replan_apply": ("Применить", "Apply"),
    "pace.title": ("Темп", "Pace"),
    "pace.ahead": ("опережение", "ahead"),
    "pace.behind": ("отставание", "behind"),
    "pace.on_track": ("по плану", "on track"),
    "pace.not_started": ("ещё не начат", "not started"),
    "pace.finished": ("завершён", "finished"),
    "pace.items": (
        "пунктов закрыто: {closed}, по плану к сегодня: {expected} ({delta:+d})",
        "items closed: {closed}, planned by today: {expected} ({delta:+d})",
    ),
    "pace.hours": (
        "часов: {logged:g} из {budget:g} по плану ({delta:+g})",
        "hours: {logged:g} of {budget:g} planned ({delta:+g})",
    ),
    "today.title": ("Сегодня", "Today"),
    "today.week": ("Неделя {n} из {total}", "Week {n} of {total}"),
    "today.before": ("План начнётся {date}.", "The plan starts on {date}."),
    "today.after": ("Недели плана закончились.", "The plan's weeks are over."),
    "today.late": ("Просрочено", "Late"),
    "today.cards_due": ("Карточек к повторению", "Cards due"),
    "today.no_cards": ("Карточек для повторения пока нет.", "No review cards yet."),
    "today.exercises": ("Упражнения по теме недели", "Exercises for this week"),
    "today.no_exercises": ("Упражнений пока нет.", "No exercises yet."),
    "today.hours": ("Часы на этой неделе", "Hours this week"),
    "today.drafts": ("Черновики отчётов ждут проверки", "Report drafts waiting"),
    "milestones.title": ("Контрольные точки", "Milestones"),
    "milestones.due": ("срок", "due"),
    "milestones.reached": ("достигнута", "reached"),
    "milestones.next": ("Следующая контрольная точка", "Next milestone"),
    "milestones.check.items": (
        "Пункты недель до контрольной точки",
        "Items of the weeks up to the milestone",
    ),
    "milestones.check.exercises": (
        "Упражнения этих недель сданы",
        "Exercises of those weeks passed",
    ),
    "milestones.check.cards": (
        "Карточки этих тем с удержанием ≥ 0.8",
        "Cards of those topics at retrievability ≥ 0.8",
    ),
    "milestones.no_data": ("данных пока нет", "no data yet"),
    "milestones.open": ("не закрыто", "still open"),
    "milestones.criteria": ("Критерии успешного завершения", "Final success criteria"),
    "time.title": ("Учёт времени", "Time log"),
    "time.minutes": ("Минут", "Minutes"),
    "time.day": ("День", "Day"),
    "time.item": ("Пункт (id, необязательно)", "Item (id, optional)"),
    "time.note": (
        "Заметка («Проблема: …», «Решение: …» попадут в отчёт)",
        "Note ('Problem: …', 'Solution: …' go to the report)",
    ),
    "time.log": ("Записать", "Log"),
    "time.weeks": ("Часы по неделям плана", "Hours per plan week"),
    "time.entries": ("Последние записи", "Latest entries"),
    "time.source": ("Источник", "Source"),
    "reports.title": ("Недельные отчёты", "Weekly reports"),
    "reports.draft": ("черновик", "draft"),
    "reports.edited": ("отредактирован", "edited"),
    "reports.none": ("нет", "none"),
    "reports.open": ("Открыть", "Open"),
    "report.title": ("Отчёт за неделю {n}", "Report of week {n}"),
    "report.summary": ("Итог недели", "Week summary"),
    "report.save": ("Сохранить отчёт", "Save the report"),
    "report.saved": ("Отчёт сохранён.", "Report saved."),
    "report.markdown": ("Скачать Markdown", "Download Markdown"),
    "report.print": ("Версия для печати / PDF", "Printable page / PDF"),
    "report.kept": (
        "Сохранённый отчёт не переписывается новыми данными.",
        "A stored report is not rewritten by later data.",
    ),
    "dash.title": ("Обзор", "Dashboard"),
    "dash.progress": ("Прогресс по программам", "Progress across roadmaps"),
    "dash.no_progress": ("Пока ни одного отмеченного пункта.", "No items marked yet."),
    "dash.this_week": ("Эта неделя по плану", "This week against the plan"),
    "dash.burnup": (
        "Часы: факт против бюджета (нарастающим итогом)",
        "Hours logged against the budget (cumulative)",
    ),
    "dash.burnup_text": (
        "Записано {logged:g} ч из {planned:g} ч, запланированных к этой неделе.",
        "{logged:g} h logged of {planned:g} h planned up to this week.",
    ),
    "dash.planned": ("План", "Planned"),
    "dash.logged": ("Факт", "Logged"),
    "dash.streak": ("Серия", "Streak"),
    "dash.days": ("дн. подряд", "days in a row"),
    "dash.forecast": ("Прогноз повторений (14 дней)", "Review forecast (14 days)"),
    "dash.exercises": ("Сдано упражнений", "Exercises passed"),
    "dash.readiness": ("Готовность по модулям", "Readiness per module"),
    "dash.no_plan": ("Плана нет —", "No plan yet —"),
    "dash.make_plan": ("составить план", "make one"),
    "dash.data": ("Данные", "Data"),
    "dash.chart_table": ("Таблица данных графика", "Chart data as a table"),
    "dash.milestones": ("Контрольных точек достигнуто", "Milestones reached"),
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
