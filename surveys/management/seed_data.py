"""The figures and texts behind the demonstration data: the paper's tables, weights, answers.

Pure data, kept apart from the generator in seed.py so that each reads in one sitting.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

SLUG = "civil-service-communication-2022"
SEED = 2022
TOTAL = 4790
FIELDWORK_START = datetime(2022, 11, 9, tzinfo=ZoneInfo("Asia/Almaty"))
FIELDWORK_DAYS = 28  # 9 November to 6 December 2022, both included

# The paper's sample: Aktobe and West Kazakhstan 1506 together, Mangystau 371, Atyrau 185.
WEST_REGIONS = {"aktobe": 858, "west_kazakhstan": 648, "mangystau": 371, "atyrau": 185}
# Table 1: respondents giving each score 1..5 to each channel (each row sums to 2062).
TABLE_1 = {
    "meeting": (54, 57, 205, 456, 1290),
    "phone": (46, 64, 356, 652, 944),
    "email": (49, 103, 377, 575, 958),
    "written": (56, 91, 294, 559, 1062),
}
# Table 2: how many respondents chose each barrier (4398 answers, 1 to 3 per respondent).
TABLE_2 = {
    "perception": 1122, "citizen_behaviour": 1241, "servant_behaviour": 310, "language": 374,
    "emotional": 686, "cultural": 487, "gender": 79, "other": 99,
}  # fmt: skip
# How many western respondents chose 1, 2 and 3 barriers: 2062 people giving 4398 answers.
BARRIER_SET_SIZES = {1: 480, 2: 828, 3: 754}

# The other 2728 respondents by region (relative weights); Astana hosts the central bodies.
OTHER_REGION_WEIGHTS = {
    "astana": 520, "almaty": 260, "shymkent": 170, "abai": 90, "akmola": 110,
    "almaty_region": 160, "east_kazakhstan": 130, "zhambyl": 140, "zhetisu": 90,
    "karaganda": 150, "kostanay": 110, "kyzylorda": 130, "pavlodar": 100,
    "north_kazakhstan": 80, "turkestan": 210, "ulytau": 40,
}  # fmt: skip
# Share of respondents answering in Kazakh, by region; the rest answer in Russian.
KAZAKH_SHARE = {
    "aktobe": 0.62, "west_kazakhstan": 0.55, "mangystau": 0.72, "atyrau": 0.74, "astana": 0.5,
    "almaty": 0.38, "shymkent": 0.78, "turkestan": 0.86, "kyzylorda": 0.86, "zhambyl": 0.68,
    "almaty_region": 0.62, "zhetisu": 0.6, "abai": 0.55, "east_kazakhstan": 0.32,
    "karaganda": 0.3, "kostanay": 0.26, "pavlodar": 0.27, "north_kazakhstan": 0.22,
    "akmola": 0.36, "ulytau": 0.55,
}  # fmt: skip

# Plausible shares of options as "code weight ..."; options not listed get a small weight.
OPTION_WEIGHTS = {
    "gender": "female 56 male 44",
    "marital_status": "married 68 single 19 divorced 7 widowed 2 civil_marriage 4",
    "children": "none 17 one 20 two 29 three 22 four 8 five 3 more_than_five 1",
    "age": "a18_25 8 a26_30 16 a31_35 19 a36_40 17 a41_45 14 a46_50 11 a51_55 8 a56_60 6 a61_65 1",
    "understanding": "all 55 information_exchange 31 direct_written 5 direct_oral 7 other 2",
    "time_share": "under_10 6 p10 8 p20 12 p30 14 p40 12 p50 14 p60 9 p70 9 p80 8 p90 5 p100 3",
    "qualities": "speech_clarity 60 decisiveness 15 logic 30 openness 35 sociability 30 tact 45 "
    "self_control 35 listening 55 asking 10 flexibility 15 empathy 20 punctuality 20 "
    "appearance 8 keeping_word 22",
    "empathy_place": "yes 88 no 12",
    "empathy_situation": "yes 81 no 19",
    "main_channel": "e_otinish 60 personal_reception 55 public_meetings 30 head_blog 12 phone 35 "
    "social_media 40 other 3",
    "personal_channel": "yes 46 no 34 hard_to_say 20",
    "first_head_channels": "meetings 70 personal_reception 25 edms_email 45 phone 20 informal 6",
    "approach": "reactive 20 informative 30 proactive 36 persuasive 14",
    "express_thoughts": "always 62 not_always 35 never 3",
    "check_understanding": "always 70 sometimes 27 never 3",
    "barriers": " ".join(f"{code} {count}" for code, count in TABLE_2.items()),
    "interaction_problems": "bureaucracy 30 legislation 22 unavailable_channels 8 "
    "lack_of_channels 10 avoiding_contact 12 poor_presentation 15 other 3",
    "development_problems": "no_methodology 40 no_courses 35 no_base 30 imperfect_standards 22 "
    "no_criteria 25 no_opportunities 15 no_problems 8",
    "requirements_attitude": "very 55 fairly 33 not_very 9 not_at_all 3",
    "improvement_results": "status 14 trust 30 fewer_conflicts 12 openness 10 professionalism 16 "
    "human_centred 12 other 1 hard_to_say 5",
    "improvement_means": "training 45 unified_base 18 events 10 internships 14 manuals 10 other 3",
}
# How many options a multiple choice gets (relative weights), where the default would mislead.
CHOICE_COUNT_WEIGHTS: dict[str, Mapping[int, float]] = {"barriers": BARRIER_SET_SIZES}
# Scores of a scale row (relative weights of min..max), where a question's shape is known.
POINT_WEIGHTS = {("channel_effectiveness", row): counts for row, counts in TABLE_1.items()}
# `languages` runs from 1 = fluent to 5 = does not speak, and follows the response language.
LANGUAGE_SKILL = {
    "kk": {"kazakh": (90, 7, 2, 1, 0), "russian": (68, 22, 6, 3, 1),
           "english": (5, 9, 14, 40, 32)},
    "ru": {"kazakh": (30, 24, 14, 25, 7), "russian": (97, 2, 1, 0, 0),
           "english": (7, 11, 15, 38, 29)},
}  # fmt: skip
# Texts for "other (specify)" as (Kazakh, Russian); a question without a list never gets "other".
OTHER_TEXTS: dict[str, Sequence[tuple[str, str]]] = {
    "barriers": (
        ("Халықтың цифрлық сауатсыздығы", "Цифровая безграмотность населения"),
        ("Қабылдау кезінде уақыттың тапшылығы", "Нехватка времени на приёме"),
        ("Азаматтардың құқықтық сауаттылығының төмендігі", "Низкая правовая грамотность граждан"),
        ("Заңнаманың жиі өзгеруі", "Частые изменения законодательства"),
        ("Ауылдық жерлерде интернеттің нашарлығы", "Слабый интернет в сельской местности"),
        ("Жұмыс жүктемесінің тым көптігі", "Чрезмерная рабочая нагрузка"),
        ("Бюрократиялық рәсімдердің көптігі", "Избыток бюрократических процедур"),
        ("Азаматтардың мемлекеттік органдарға сенімсіздігі",
         "Недоверие граждан к государственным органам"),
        ("Ресми құжаттардың күрделі кеңсе тілінде жазылуы",
         "Сложный канцелярский язык официальных документов"),
        ("Азаматтардың негізсіз талаптары", "Необоснованные требования граждан"),
        ("Әлеуметтік желілердегі жалған ақпарат", "Недостоверная информация в социальных сетях"),
        ("Кадрлардың жиі ауысуы", "Частая смена кадров"),
        ("Өтініштерді қарау мерзімінің қысқалығы", "Сжатые сроки рассмотрения обращений"),
        ("Ведомстволар арасындағы іс-қимылдың үйлесімсіздігі",
         "Несогласованность действий между ведомствами"),
        ("Кері байланыстың болмауы", "Отсутствие обратной связи"),
        ("Шалғай ауылдарға жетудің қиындығы", "Труднодоступность отдалённых сёл"),
        ("Мемлекеттік қызметшілер жалақысының төмендігі", "Низкая заработная плата госслужащих"),
        ("Электрондық жүйелердегі техникалық ақаулар", "Технические сбои в электронных системах"),
        ("Азаматтардың тек бірінші басшының қабылдауына баруға ұмтылуы",
         "Стремление граждан попасть на приём только к первому руководителю"),
        ("Халықтың мемлекеттік қызметтер туралы хабардар болмауы",
         "Неосведомлённость населения о государственных услугах"),
        ("Жергілікті жерде шешім қабылдау өкілеттігінің шектеулілігі",
         "Ограниченные полномочия для принятия решений на местах"),
    ),
    "body_name": (
        ("Бас прокуратура", "Генеральная прокуратура"),
        ("Қазақстан Республикасының Ұлттық Банкі", "Национальный Банк Республики Казахстан"),
        ("Орталық сайлау комиссиясы", "Центральная избирательная комиссия"),
    ),
    "understanding": (
        ("Азаматтармен де, әріптестермен де кез келген ресми қарым-қатынас",
         "Любое официальное общение и с гражданами, и с коллегами"),
        ("Мемлекеттік органның оң имиджін қалыптастыру",
         "Формирование положительного имиджа государственного органа"),
    ),
    "main_channel": (
        ("Мессенджерлердегі чаттар", "Чаты в мессенджерах"),
        ("1414 бірыңғай байланыс орталығы", "Единый контакт-центр 1414"),
    ),
    "interaction_problems": (
        ("Азаматтардың құқықтық сауаттылығының төмендігі", "Низкая правовая грамотность граждан"),
        ("Кадрлардың жетіспеушілігі және жүктеменің көптігі", "Нехватка кадров и высокая нагрузка"),
    ),
    "improvement_results": (
        ("Мемлекеттік қызметтердің сапасы артады", "Повысится качество государственных услуг"),
        ("Өтініштер мен шағымдардың саны азаяды", "Сократится количество обращений и жалоб"),
    ),
    "improvement_means": (
        ("Тәлімгерлік", "Наставничество"),
        ("Тәжірибелі әріптестермен тәжірибе алмасу", "Обмен опытом с опытными коллегами"),
    ),
}  # fmt: skip
# Answers to a required free-text question, should the questionnaire gain one.
TEXT_ANSWERS = (
    ("Мұндай зерттеулерді жиірек өткізу керек", "Такие исследования нужно проводить чаще"),
    ("Коммуникация бойынша тренингтер қажет", "Нужны тренинги по коммуникации"),
)
NA_SHARE = 0.08  # "cannot assess" on scales that allow it
EXCLUSIVE_SHARE = 0.04  # an unhinted exclusive option ("no problems"), chosen alone
OPTIONAL_ANSWERED = {"short_text": 0.1, "long_text": 0.1}  # any other optional question: 0.7
