"""A small synthetic question-bank track written to a folder (faster than the shipped one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.curricula.roadmaps import import_document
from gocoach.questions.bank import LoadReport, load_track
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.users import ensure_local_user


@dataclass
class Q:
    """A question to write: id, title, level, freq, tags, short answer, follow-ups."""

    qid: str
    title: str
    level: str = "middle"
    freq: int = 3
    tags: list[str] = field(default_factory=lambda: ["concurrency"])
    short: str = "Короткий ответ на вопрос. Второе предложение ответа."
    followups: list[tuple[str, str]] = field(default_factory=lambda: [
        ("Первый уточняющий вопрос?", "Ответ на первый уточняющий вопрос."),
        ("Второй уточняющий вопрос?", "Ответ на второй уточняющий вопрос.")])


MODULES: dict[str, tuple[str, str, list[Q]]] = {
    "01": ("goroutines-channels", "Горутины и каналы", [
        Q("chan-buffered", "Чем буферизованный канал отличается от небуферизованного?", freq=5,
          tags=["channels", "concurrency"],
          short="Небуферизованный канал передаёт значение синхронно: отправитель ждёт "
                "получателя. Буферизованный блокирует отправку, только когда буфер полон.",
          followups=[("Что будет при чтении из закрытого канала?",
                      "Чтение из закрытого канала сразу возвращает нулевое значение и false."),
                     ("Зачем нужен nil-канал в select?",
                      "Операции с nil-каналом блокируются навсегда, так ветку select выключают.")]),
        Q("chan-select", "Как работает select с несколькими готовыми ветками?", level="senior",
          freq=4, tags=["channels", "select"],
          short="Если готовы несколько веток, select выбирает одну случайно и равномерно. "
                "Ветка default выполняется, когда ни одна не готова."),
    ]),
    "03": ("errors-context", "Ошибки и context", [
        Q("err-context", "Как работает отмена через context?", level="senior", freq=3,
          tags=["context", "errors"],
          short="Cancel закрывает канал Done у контекста и всех его потомков. Goroutines "
                "should check ctx.Err() and return promptly."),
    ]),
}


def question_text(q: Q) -> str:
    """One question in the bank's format."""
    followups = "\n".join(f"- **{text}** {answer}" for text, answer in q.followups)
    return f"""## {q.title}
<!-- id: {q.qid}; level: {q.level}; freq: {q.freq}; tags: {", ".join(q.tags)} -->

### Зачем спрашивают
Проверяют понимание темы.

### Короткий ответ
{q.short}

### Детальный разбор
Подробности с диаграммой.

```text
 G1 ──► [ buf ] ──► G2
```

### Пример
```go
package main

import "fmt"

func main() {{
	fmt.Println("ok")
}}
```

### Типичные ошибки
- **«Канал — это очередь без блокировок»** — у канала есть мьютекс.

### На интервью
Начните с определения.

**Что должно прозвучать:**
1. Первый ключевой пункт.
2. Второй ключевой пункт.
3. Третий ключевой пункт.

#### Уточняющие вопросы
{followups}
"""


def write_track(root: Path, modules: dict[str, tuple[str, str, list[Q]]] | None = None) -> Path:
    """Write index.md and the module files under root/go-core; return the folder."""
    folder = root / "go-core"
    folder.mkdir(parents=True, exist_ok=True)
    index = ["# Трек: Go Core", "", "Фокус: тестовый трек.", "", "## Темы и прогресс", "",
             "### Основы"]
    for number, (slug, title, questions) in (modules or MODULES).items():
        name = f"{number}-{slug}"
        index.append(f"- [ ] [{name}]({name}.md) — {title.lower()}")
        body = "\n".join(question_text(q) for q in questions)
        (folder / f"{name}.md").write_text(f"# {title}\n\nВступление модуля.\n\n{body}",
                                           encoding="utf-8")
    index += ["", "## Статистика", "", "- **Модулей:** 2", "- **Вопросов:** ~3", ""]
    (folder / "index.md").write_text("\n".join(index), encoding="utf-8")
    return folder


def load_small_track(session: Session, root: Path, now: datetime) -> LoadReport:
    """Write the synthetic track and load it."""
    return load_track(session, write_track(root), now=now)


ROADMAP = """# Тестовая программа

## Неделя 1

- [ ] Буферизованный и небуферизованный канал
- [ ] Отмена через context
- [ ] Kubernetes операторы
"""


def prepared_settings(tmp_path: Path) -> Settings:
    """Settings whose database holds the synthetic track and a small roadmap (no bundled data)."""
    settings = load_settings(data_dir=tmp_path / "data", load_bundled=False)
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        load_small_track(session, tmp_path / "track", NOW)
        import_document(session, data=ROADMAP.encode(), name="week.md", slug="week", user=user,
                        now=NOW, max_bytes=1 << 20)
    database.engine.dispose()
    return settings
