"""State-level data the libraries do not have: which zone and which language a region of a country has, by
WooCommerce's state codes (woocommerce i18n/states.php). Country-level answers come from Babel and tzdata
(language.py, zones.py); only the regions of the few countries where the country's answer is wrong for part of its
people are listed here.
"""

from __future__ import annotations

__all__ = ["COMPLETE_STATE_ZONES", "STATE_LANGUAGES", "STATE_ZONES"]

# Regions whose main language differs from the country's, by WooCommerce state code (i18n/states.php).
STATE_LANGUAGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("CA", "QC"): ("fr", "en"),  # Quebec: French is the official language and that of ~80 % of its people
    **{("CH", canton): ("fr", "de", "it") for canton in ("GE", "VD", "NE", "JU", "FR", "VS")},  # Romandy
    ("CH", "TI"): ("it", "de", "fr"),  # Ticino
    ("IT", "BZ"): ("de", "it"),  # South Tyrol: German-speaking majority
    ("US", "PR"): ("es", "en"),  # Puerto Rico, when a store files it as a US state rather than as country PR
}


# Countries whose people live in more than one zone, by WooCommerce's state codes (i18n/states.php; "CL-MA" is also
# accepted as "MA"). US, CA, AU, BR, MX and ID list every state WooCommerce knows, so a state missing there is unknown
# and gets the country's zone (that of most of its people); CL and ES list only the regions that differ from it.
# Russia, DR Congo and others with several zones have no regions in WooCommerce: they get the country's zone (the
# first of tzdata's zone.tab, most populous), and `why` says so. Argentina's provinces all keep Buenos Aires time,
# so it has no entry.
_US_EASTERN = "America/New_York"
_US_CENTRAL = "America/Chicago"
_US_MOUNTAIN = "America/Denver"
_US_PACIFIC = "America/Los_Angeles"
STATE_ZONES: dict[str, dict[str, str]] = {
    # A state split between two zones gets the zone of most of its people (FL, IN, KY, MI, TN: Eastern; KS, NE, ND,
    # SD, TX: Central; ID: Mountain; OR: Pacific).
    "US": {
        "AL": _US_CENTRAL,
        "AK": "America/Anchorage",
        "AZ": "America/Phoenix",
        "AR": _US_CENTRAL,
        "CA": _US_PACIFIC,
        "CO": _US_MOUNTAIN,
        "CT": _US_EASTERN,
        "DE": _US_EASTERN,
        "DC": _US_EASTERN,
        "FL": _US_EASTERN,
        "GA": _US_EASTERN,
        "HI": "Pacific/Honolulu",
        "ID": "America/Boise",
        "IL": _US_CENTRAL,
        "IN": "America/Indiana/Indianapolis",
        "IA": _US_CENTRAL,
        "KS": _US_CENTRAL,
        "KY": "America/Kentucky/Louisville",
        "LA": _US_CENTRAL,
        "ME": _US_EASTERN,
        "MD": _US_EASTERN,
        "MA": _US_EASTERN,
        "MI": "America/Detroit",
        "MN": _US_CENTRAL,
        "MS": _US_CENTRAL,
        "MO": _US_CENTRAL,
        "MT": _US_MOUNTAIN,
        "NE": _US_CENTRAL,
        "NV": _US_PACIFIC,
        "NH": _US_EASTERN,
        "NJ": _US_EASTERN,
        "NM": _US_MOUNTAIN,
        "NY": _US_EASTERN,
        "NC": _US_EASTERN,
        "ND": _US_CENTRAL,
        "OH": _US_EASTERN,
        "OK": _US_CENTRAL,
        "OR": _US_PACIFIC,
        "PA": _US_EASTERN,
        "RI": _US_EASTERN,
        "SC": _US_EASTERN,
        "SD": _US_CENTRAL,
        "TN": _US_CENTRAL,
        "TX": _US_CENTRAL,
        "UT": _US_MOUNTAIN,
        "VT": _US_EASTERN,
        "VA": _US_EASTERN,
        "WA": _US_PACIFIC,
        "WV": _US_EASTERN,
        "WI": _US_CENTRAL,
        "WY": _US_MOUNTAIN,
        # Military post: AA (the Americas), AE (Europe and the Middle East: mostly bases in Germany), AP (Pacific:
        # mostly Japan and Korea). A guess at the typical base, better than the store's own zone.
        "AA": _US_EASTERN,
        "AE": "Europe/Berlin",
        "AP": "Asia/Tokyo",
        # Territories, when a store files them as US states (ISO 3166-2:US) rather than as countries.
        "PR": "America/Puerto_Rico",
        "VI": "America/St_Thomas",
        "GU": "Pacific/Guam",
        "AS": "Pacific/Pago_Pago",
        "MP": "Pacific/Saipan",
        "UM": "Pacific/Wake",
    },
    "CA": {
        "AB": "America/Edmonton",
        "BC": "America/Vancouver",
        "MB": "America/Winnipeg",
        "NB": "America/Moncton",
        "NL": "America/St_Johns",
        "NT": "America/Edmonton",
        "NS": "America/Halifax",
        "NU": "America/Iqaluit",
        "ON": "America/Toronto",
        "PE": "America/Halifax",
        "QC": "America/Toronto",
        "SK": "America/Regina",
        "YT": "America/Whitehorse",
    },
    "AU": {
        "ACT": "Australia/Sydney",
        "NSW": "Australia/Sydney",
        "NT": "Australia/Darwin",
        "QLD": "Australia/Brisbane",
        "SA": "Australia/Adelaide",
        "TAS": "Australia/Hobart",
        "VIC": "Australia/Melbourne",
        "WA": "Australia/Perth",
    },
    "BR": {
        "AC": "America/Rio_Branco",
        "AL": "America/Maceio",
        "AP": "America/Belem",
        "AM": "America/Manaus",
        "BA": "America/Bahia",
        "CE": "America/Fortaleza",
        "DF": "America/Sao_Paulo",
        "ES": "America/Sao_Paulo",
        "GO": "America/Sao_Paulo",
        "MA": "America/Fortaleza",
        "MT": "America/Cuiaba",
        "MS": "America/Campo_Grande",
        "MG": "America/Sao_Paulo",
        "PA": "America/Belem",
        "PB": "America/Fortaleza",
        "PR": "America/Sao_Paulo",
        "PE": "America/Recife",
        "PI": "America/Fortaleza",
        "RJ": "America/Sao_Paulo",
        "RN": "America/Fortaleza",
        "RS": "America/Sao_Paulo",
        "RO": "America/Porto_Velho",
        "RR": "America/Boa_Vista",
        "SC": "America/Sao_Paulo",
        "SP": "America/Sao_Paulo",
        "SE": "America/Maceio",
        "TO": "America/Araguaina",
    },
    # Since 2022 most of Mexico keeps standard time all year; the border strip follows US daylight saving time.
    "MX": {
        "BC": "America/Tijuana",
        "BS": "America/Mazatlan",
        "SI": "America/Mazatlan",
        "NA": "America/Mazatlan",
        "SO": "America/Hermosillo",
        "CH": "America/Chihuahua",
        "QR": "America/Cancun",
        "CM": "America/Merida",
        "YU": "America/Merida",
        "CO": "America/Monterrey",
        "NL": "America/Monterrey",
        "TM": "America/Monterrey",
        "DG": "America/Monterrey",
        **dict.fromkeys(
            (
                "DF",
                "JA",
                "AG",
                "CS",
                "CL",
                "GT",
                "GR",
                "HG",
                "MX",
                "MI",
                "MO",
                "OA",
                "PU",
                "QT",
                "SL",
                "TB",
                "TL",
                "VE",
                "ZA",
            ),
            "America/Mexico_City",
        ),
    },
    "ID": {
        **dict.fromkeys(
            ("AC", "SU", "SB", "RI", "KR", "JA", "SS", "BB", "BE", "LA", "JK", "JB", "BT", "JT", "JI", "YO"),
            "Asia/Jakarta",
        ),
        **dict.fromkeys(("KB", "KT"), "Asia/Pontianak"),
        **dict.fromkeys(("BA", "NB", "NT", "KI", "KS", "KU", "SA", "ST", "SG", "SR", "SN", "GO"), "Asia/Makassar"),
        **dict.fromkeys(("MA", "MU", "PA", "PB"), "Asia/Jayapura"),
    },
    # Aysén and Magallanes keep UTC-3 all year (America/Coyhaique is new in tzdata 2025b: an older tzdata falls back
    # to the country's zone, see zones.py).
    "CL": {"AI": "America/Coyhaique", "MA": "America/Punta_Arenas"},
    "ES": {"GC": "Atlantic/Canary", "TF": "Atlantic/Canary", "CE": "Africa/Ceuta", "ML": "Africa/Ceuta"},
}

# The countries above whose every state is listed: a state missing there is unknown (the country's zone is a guess).
COMPLETE_STATE_ZONES = frozenset({"US", "CA", "AU", "BR", "MX", "ID"})
