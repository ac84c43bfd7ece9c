"""Words of an answer to comparable terms: stopwords, negations and a Russian–English Go glossary.

Candidates mix languages ("горутина блокируется на send в канал"), so a word is first looked up
in a glossary of Go terms by prefix (горутин…, goroutine… → one concept; latency, задержка → one),
and otherwise reduced to the Snowball stem of its pymorphy3 lemma (`lemmas.lemma`). Opposite words
(увеличить/уменьшить, чаще/реже, синхронный/асинхронный) share a concept with the opposite
polarity, so "latency растёт" contradicts "latency снижается" as "не растёт" would.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from gocoach.interviews.lemmas import lemma
from gocoach.questions.stems import stem

# Function words and fillers of spoken answers; they carry no key point. Quantifiers (все,
# всегда, только) stay: misconceptions hinge on them ("append всегда удваивает").
STOPWORDS = frozenset((
    "вызывает", "вызовет", "вызывают", "приводит", "приведет", "происходит", "получается",
    "случается", "бывает", "делает", "сделать", "нужен", "нужна", "нужны", "и", "в", "во", "на",
    "с", "со", "к", "ко", "о", "об", "от", "до", "по", "за", "из", "у", "для", "при", "про",
    "над", "под", "без", "через", "а", "но", "или", "либо", "ли", "же", "бы", "что", "чтобы",
    "как", "так", "там", "тут", "это", "этот", "эта", "эти", "тот", "та", "те", "то", "его", "ее",
    "её", "их", "им", "ими", "он", "она", "оно", "они", "мы", "вы", "я", "ты", "мне", "меня",
    "нам", "нас", "вам", "вас", "себя", "свой", "своя", "свои", "своё", "свое", "который",
    "которая", "которые", "которое", "когда", "если", "то", "тогда", "потом", "уже", "еще", "ещё",
    "вот", "ну", "типа", "как-бы", "короче", "вообще", "просто", "значит", "там-то", "например",
    "т.е", "т", "е", "есть", "был", "была", "было", "были", "будет", "будут", "быть", "является",
    "являются", "может", "могут", "можно", "нужно", "надо", "должен", "должна", "должны", "очень",
    "более", "менее", "самый", "также", "тоже", "где", "куда", "откуда", "почему", "зачем", "сам",
    "сама", "само", "сами", "два", "две", "раз", "какой", "какая", "какие", "другой", "другие",
    "другая", "часто", "обычно", "the", "a", "an", "and", "or", "of", "to", "in", "on", "at",
    "by", "for", "with", "from", "into", "as", "is", "are", "was", "were", "be", "been", "being",
    "it", "its", "this", "that", "these", "those", "there", "here", "then", "than", "so", "if",
    "when", "which", "who", "what", "how", "why", "can", "could", "should", "would", "will",
    "just", "also", "very", "some", "other", "such", "do", "does", "did", "has", "have", "had",
))

# Words that flip the meaning of the words after them ("не блокируется", "without a lock").
NEGATIONS = frozenset((
    "не", "нет", "нельзя", "ни", "никогда", "никак", "без", "not", "no", "never", "cannot",
    "can't", "without", "doesn't", "don't", "isn't", "won't", "нету", "none",
))

# Words that say the speaker does not know: the sentence that holds one covers nothing
# ("Hedged requests — первый раз слышу", "как время подменяют — не скажу").
DONT_KNOW = re.compile(
    r"(?:первый раз слышу|впервые слышу|не слышал|не знаю|не помню|не скажу|не сталкивал|"
    r"не работал с|не разбирал|не в курсе|без понятия|понятия не имею|не подскажу|хз\b|"
    r"затрудняюсь|не уверен\w* что|never heard|don'?t know|no idea|not sure|"
    r"не припомню|не знаком|не изучал|не пробовал|не довелось|не доводилось)",
    re.IGNORECASE)

# prefix → concept, for words that say the opposite of the concept (a flipped polarity)
OPPOSITES: dict[str, str] = {
    "уменьш": "grow", "сниж": "grow", "сокращ": "grow", "сократ": "grow",
    "decreas": "grow", "reduc": "grow", "shrink": "grow", "lower": "grow",
    "реже": "often", "rarely": "often", "less often": "often",
    "меньше": "more", "less": "more", "fewer": "more",
    "медлен": "fast", "slow": "fast", "тормоз": "fast", "дольше": "fast",
    "асинхрон": "sync", "async": "sync", "несинхрон": "sync",
    "небуфер": "buffer", "unbuffer": "buffer",
    "неблокир": "block", "non-block": "block", "nonblock": "block",
    "неатомар": "atomic", "non-atomic": "atomic",
    "неупорядоч": "order", "unorder": "order",
    "непотокобезопас": "threadsafe", "unsafe for concurrent": "threadsafe",
    "ненадеж": "reliable", "unreliable": "reliable",
    "необязат": "required", "optional": "required", "лишн": "required",
    "недетерминир": "deterministic", "nondetermin": "deterministic",
    "неизменяем": "mutable", "иммутаб": "mutable", "immutable": "mutable",
    "нестабил": "stable", "unstable": "stable", "экспериментал": "stable",
    "experimental": "stable",
}
_OPPOSITE_PREFIXES = tuple(sorted(OPPOSITES, key=len, reverse=True))

# concept → word prefixes (lowercase, ё as е); first match wins, longer prefixes listed first.
GLOSSARY: dict[str, tuple[str, ...]] = {
    "goroutine": ("горутин", "гороутин", "goroutine", "горутинк"),
    "channel": ("канал", "chan", "channel", "ченнел", "ченел"),
    "thread": ("поток", "тред", "thread", "нить", "нити"),
    "stack": ("стек", "stack"),
    "heap": ("куч", "heap", "хип"),
    "kernel": ("ядр", "kernel", "syscall", "сисколл", "системн"),
    "mutex": ("мьютекс", "мютекс", "мутекс", "mutex"),
    "panic": ("паник", "panic", "падает", "упад", "уронит", "роняет", "крэш", "краш"),
    "buffer": ("буфер", "buffer"),
    "close": ("закрыт", "закрыв", "закрыл", "закрыть", "закроет", "закрою", "close"),
    # "чтение из канала" is a receive and "запись в канал" a send: one concept each
    "read": ("чтен", "чита", "прочит", "read", "load", "получ", "прием", "приём", "receiv",
             "recv"),
    "write": ("запис", "пиш", "писат", "write", "store", "отправ", "отсыл", "посыл", "send",
              "sender"),
    "copy": ("копир", "копи", "скопир", "copy", "клон", "clone"),
    "interface": ("интерфейс", "interface", "iface", "eface"),
    "pointer": ("указател", "pointer", "поинтер", "ptr"),
    "method": ("метод", "method"),
    "error": ("ошибк", "ошибок", "ошибочн", "error", "err", "еррор"),
    "context": ("контекст", "context", "ctx"),
    "cancel": ("отмен", "cancel", "отменя"),
    "timeout": ("таймаут", "timeout"),
    "deadline": ("дедлайн", "deadline"),
    "transaction": ("транзакц", "transaction", "tx"),
    "connection": ("соединен", "коннект", "подключен", "connection", "conn"),
    "pool": ("пул", "pool"),
    "queue": ("очеред", "queue", "runq"),
    "scheduler": ("планировщик", "шедулер", "шедулир", "scheduler", "планирова"),
    "memory": ("памят", "memory", "mem"),
    "gc": ("gc", "сборщик", "garbage", "гц"),
    "allocate": ("аллок", "аллоц", "alloc", "выделя", "выделен"),
    "array": ("массив", "array"),
    "slice": ("слайс", "срез", "slice"),
    "map": ("мапа", "мапы", "мапу", "мапой", "мапе", "map", "hashmap"),
    "hash": ("хеш", "хэш", "hash"),
    "random": ("случайн", "рандом", "random", "псевдослучайн"),
    "order": ("порядок", "порядк", "order"),
    "block": ("блокир", "block", "зависа", "висит", "виснет", "повиснет", "залипа"),
    "wait": ("ждет", "ждёт", "ждать", "ждут", "жду", "дожид", "ожида", "wait"),
    "deadlock": ("дедлок", "deadlock", "взаимоблокир"),
    "race": ("гонк", "race"),
    "atomic": ("атомар", "атомик", "atomic", "атомн"),
    "signature": ("подпис", "signature", "sign"),
    "secret": ("секрет", "secret"),
    "encrypt": ("шифр", "зашифр", "encrypt", "расшифр", "decrypt"),
    "salt": ("соль", "соли", "солью", "salt"),
    "partition": ("партиц", "partition", "партишн"),
    "consumer": ("консьюмер", "консюмер", "потребител", "consumer"),
    "producer": ("продюсер", "производител", "producer", "паблишер", "publisher"),
    "offset": ("офсет", "оффсет", "offset"),
    "message": ("сообщен", "месседж", "message", "msg"),
    "duplicate": ("дубл", "дупл", "duplicat", "повторн"),
    "profile": ("профил", "profil", "pprof"),
    "benchmark": ("бенчмарк", "бенч", "benchmark", "bench"),
    "request": ("запрос", "request", "реквест"),
    "response": ("ответ", "response", "респонс"),
    "handler": ("обработчик", "хендлер", "хэндлер", "handler"),
    "server": ("сервер", "server"),
    "client": ("клиент", "client"),
    "retry": ("ретра", "ретрай", "retry", "переотправ"),
    "limit": ("лимит", "огранич", "limit"),
    "version": ("верси", "version"),
    "dependency": ("зависимост", "dependenc", "депенденс"),
    "tag": ("тег", "тэг", "tag"),
    "struct": ("структур", "struct"),
    "reflect": ("рефлекс", "рефлекш", "reflect"),
    "cheap": ("дешев", "дёшев", "cheap", "легковес", "лёгк", "легк", "lightweight"),
    "size": ("размер", "size"),
    "grow": ("раст", "рост", "вырос", "расшир", "grow", "увелич", "increas", "повыш"),
    "double": ("вдвое", "удваива", "удвоен", "двукрат", "double"),
    "signal": ("сигнал", "signal", "sigterm", "sigint"),
    "wrap": ("оберт", "обёрт", "оборач", "обернут", "обёрнут", "wrap"),
    "chain": ("цепочк", "chain"),
    "test": ("тест", "test"),
    "runtime": ("рантайм", "runtime"),
    "switch": ("переключ", "switch", "свитч"),
    "parallel": ("параллел", "parallel", "одновремен", "concurren"),
    "sync": ("синхрон", "sync"),
    "nil": ("nil", "нил", "null", "нулл"),
    "compare": ("сравн", "compar", "равен", "равно"),
    "type": ("тип", "type"),
    "value": ("значен", "value"),
    "key": ("ключ", "key"),
    "password": ("парол", "password", "passwd"),
    "token": ("токен", "token"),
    "query": ("query", "квери"),
    "database": ("бд", "базой", "базы", "базе", "базу", "база", "database", "db", "субд"),
    "rollback": ("откат", "rollback", "роллбэк"),
    "commit": ("коммит", "commit", "фиксир"),
    "shutdown": ("shutdown", "остановк", "останов", "выключ", "гасит", "погас"),
    "listen": ("слуша", "listen", "слушател"),
    "leak": ("утечк", "утека", "утёк", "утек", "leak"),
    "cpu": ("cpu", "цпу", "процессор", "ядер", "core"),
    "fast": ("быстр", "fast", "скорост", "speed"),
    "kill": ("убит", "убить", "убьеш", "убивать", "прибить", "kill", "terminate", "грохнуть"),
    "iterate": ("обход", "итерир", "итерац", "iterat", "range"),
    "module": ("модул", "module"),
    "generic": ("дженерик", "generic", "обобщен"),
    # terms of the bank's later modules (distributed systems, queues, databases, performance)
    # said in either language; the pairs are the bank's own («линеаризуемость»
    # (linearizability), «повторные попытки» (retry), «сброс нагрузки» (load shedding), …)
    "latency": ("задержк", "латентн", "latency", "лейтенси", "летенси", "латенси"),
    "linearizable": ("линеаризу", "linearizab", "линеаризаб"),
    "throughput": ("пропускн", "throughput", "rps", "qps"),
    "consistency": ("консистент", "согласованн", "consisten", "consistent"),
    "replica": ("реплик", "replica", "replicat", "репликац"),
    "quorum": ("кворум", "quorum"),
    "leader": ("лидер", "leader", "мастер", "master", "primary", "праймари"),
    "idempotent": ("идемпотент", "idempoten"),
    "lease": ("аренд", "lease"),
    "hedge": ("хедж", "hedg", "подстрахов"),
    "cache": ("кеш", "кэш", "cache", "кешир", "кэшир"),
    "index": ("индекс", "index"),
    "shard": ("шард", "shard", "шардир"),
    "snapshot": ("снапшот", "снимок", "снимк", "snapshot"),
    "backpressure": ("backpressure", "противодавлен", "бэкпрешер"),
    "heartbeat": ("хартбит", "heartbeat", "пульс"),
    "inline": ("инлайн", "заинлайн", "inline", "inlining", "инлайнинг"),
    "escape": ("escape", "убега", "убежит", "утека в кучу", "эскейп"),
    "compile": ("компил", "compile", "compiler"),
    "serialize": ("сериализ", "десериализ", "serializ", "deserializ", "marshal", "unmarshal",
                  "маршал", "анмаршал"),
    "migration": ("миграц", "migration", "migrat"),
    "isolation": ("изоляц", "isolation", "изолир"),
    "jitter": ("джиттер", "jitter"),
    "backoff": ("бэкофф", "бекофф", "бэкоф", "backoff", "back-off"),
    "circuit": ("circuit", "брейкер", "breaker", "предохранител"),
    "trace": ("трасс", "трейс", "trace", "tracing", "span", "спан"),
    "metric": ("метрик", "metric", "prometheus", "прометеус"),
    "deliver": ("доставк", "доставл", "deliver", "delivery"),
    "ack": ("ack", "подтвержд", "подтверд", "confirm", "acknowledg"),
    "rebalance": ("ребаланс", "rebalanc", "перебалансир"),
    "outbox": ("outbox", "аутбокс"),
    "saga": ("сага", "саги", "сагу", "saga"),
    "compensate": ("компенсир", "компенсац", "compensat"),
    "event": ("событи", "event", "ивент"),
    "sleep": ("sleep", "слип", "спать", "спит", "поспат", "засып"),
    "flaky": ("флак", "флейк", "flaky", "flake", "нестабильн тест"),
    "detect": ("детект", "detect", "обнаруж", "ловит", "находит"),
    "mock": ("мок", "mock", "моки", "gomock", "mockgen"),
    "fake": ("фейк", "fake", "заглушк", "stub", "стаб"),
    "mutex_lock": ("lock", "лочит", "залоч", "локает", "unlock", "разлоч"),
    "preempt": ("вытесн", "preempt", "прерыва"),
    "steal": ("краж", "ворует", "украд", "steal"),
    "certificate": ("сертификат", "certificate", "cert", "tls", "mtls"),
    "hashing": ("bcrypt", "argon", "scrypt", "pbkdf"),
    "stream": ("стрим", "stream", "streaming"),
    "often": ("чаще", "часто", "often", "frequent", "more often"),
    "more": ("больше", "more", "превыша"),
    "threadsafe": ("потокобезопас", "thread-safe", "threadsafe", "concurrency-safe"),
    "reliable": ("надежн", "надёжн", "reliable", "durable", "долговечн"),
    "required": ("обязательн", "необходим", "required", "mandatory"),
    "deterministic": ("детерминир", "determinis"),
    "mutable": ("изменяем", "мутабел", "mutable"),
    "stable": ("стабильн", "stable"),
    "timestamp": ("timestamp", "таймстемп", "таймштамп", "метк времен"),
    "clock": ("clock", "часов", "часам", "часы"),
    "retry_budget": ("бюджет", "budget"),
    "deadletter": ("dlq", "dead letter", "dead-letter", "мертв"),
    "exactly_once": ("exactly-once", "exactly once", "ровно один раз", "ровно одн"),
}

_PREFIXES: tuple[tuple[str, str], ...] = tuple(sorted(
    ((prefix, concept) for concept, prefixes in GLOSSARY.items() for prefix in prefixes),
    key=lambda pair: -len(pair[0])))


def normalize(word: str) -> str:
    """Lowercase with ё folded to е."""
    return word.lower().replace("ё", "е")


_LONG_PREFIXES = {prefix: concept for prefix, concept in _PREFIXES
                  if len(prefix) >= 5 and " " not in prefix}


@lru_cache(maxsize=65536)
def term_of(word: str) -> str:
    """A word's comparable term: a glossary concept ('~channel') or its Snowball stem.

    >>> term_of("каналы"), term_of("chan"), term_of("каннал"), term_of("буферизованный")
    ('~channel', '~channel', '~channel', '~buffer')
    """
    word = normalize(word)
    for prefix in _OPPOSITE_PREFIXES:
        if word.startswith(prefix):
            return "~" + OPPOSITES[prefix]
    for prefix, concept in _PREFIXES:
        if word.startswith(prefix) and (len(prefix) >= 4 or len(word) <= len(prefix) + 3):
            return "~" + concept
    if len(word) >= 5:  # a typo of a glossary word: "гороутина", "каннал"
        for prefix, concept in _LONG_PREFIXES.items():
            if word[0] == prefix[0] and fuzz.ratio(word[:len(prefix) + 1], prefix) >= 90:
                return "~" + concept
    return stem(lemma(word))


@lru_cache(maxsize=65536)
def is_opposite(word: str) -> bool:
    """Whether a word says the opposite of its concept ("уменьшает" of *grow*, "реже" of *often*).

    >>> is_opposite("уменьшает"), is_opposite("увеличивает"), term_of("уменьшает")
    (True, False, '~grow')
    """
    return normalize(word).startswith(_OPPOSITE_PREFIXES)


def is_stopword(word: str) -> bool:
    """True for function words and fillers that never carry a key point."""
    word = normalize(word)
    return word in STOPWORDS or (len(word) < 2 and not word.isdigit())


def is_negation(word: str) -> bool:
    """True for words that negate what follows ("не", "нельзя", "not", "without")."""
    return normalize(word) in NEGATIONS
