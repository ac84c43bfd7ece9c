"""Words of an answer to comparable terms: stopwords, negations and a Russian–English Go glossary.

Candidates mix languages ("горутина блокируется на send в канал"), so a word is first looked up
in a small glossary of Go terms by prefix (горутин…, goroutine… → one concept), and otherwise
reduced to its Snowball stem (`text_stems`).
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz

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
    "can't", "without", "doesn't", "don't", "isn't", "won't",
))

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
    "grow": ("раст", "рост", "вырос", "расшир", "grow", "увеличива"),
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
    "slow": ("медлен", "slow", "тормоз"),
    "kill": ("убит", "убить", "убьеш", "убивать", "прибить", "kill", "terminate", "грохнуть"),
    "iterate": ("обход", "итерир", "итерац", "iterat", "range"),
    "module": ("модул", "module"),
    "generic": ("дженерик", "generic", "обобщен"),
}

_PREFIXES: tuple[tuple[str, str], ...] = tuple(sorted(
    ((prefix, concept) for concept, prefixes in GLOSSARY.items() for prefix in prefixes),
    key=lambda pair: -len(pair[0])))


def normalize(word: str) -> str:
    """Lowercase with ё folded to е."""
    return word.lower().replace("ё", "е")


_LONG_PREFIXES = {prefix: concept for prefix, concept in _PREFIXES if len(prefix) >= 5}


@lru_cache(maxsize=65536)
def term_of(word: str) -> str:
    """A word's comparable term: a glossary concept ('~channel') or its Snowball stem.

    >>> term_of("каналы"), term_of("chan"), term_of("каннал"), term_of("буферизованный")
    ('~channel', '~channel', '~channel', '~buffer')
    """
    word = normalize(word)
    for prefix, concept in _PREFIXES:
        if word.startswith(prefix) and (len(prefix) >= 4 or len(word) <= len(prefix) + 3):
            return "~" + concept
    if len(word) >= 5:  # a typo of a glossary word: "гороутина", "каннал"
        for prefix, concept in _LONG_PREFIXES.items():
            if word[0] == prefix[0] and fuzz.ratio(word[:len(prefix) + 1], prefix) >= 90:
                return "~" + concept
    return stem(word)


def is_stopword(word: str) -> bool:
    """True for function words and fillers that never carry a key point."""
    word = normalize(word)
    return word in STOPWORDS or (len(word) < 2 and not word.isdigit())


def is_negation(word: str) -> bool:
    """True for words that negate what follows ("не", "нельзя", "not", "without")."""
    return normalize(word) in NEGATIONS
