"""Error-code tables of the four platforms, as data with seed line references.

Huawei's tables are extracted per API from seed 001 into ``data/huawei_codes.json`` by
``tools/extract_error_codes.py`` (codes split by PDF column breaks, e.g. ``020000 1``, are
normalised by removing whitespace). The small tables of SCCC, 八百呼 and 九五 are typed in here.

Each entry is ``code -> (kind, retryable, meaning, seed line)`` where *kind* names the exception
class in :mod:`callcore.platforms.errors` and *retryable* says whether sending the same request
again (after a pause) can succeed.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple


class CodeInfo(NamedTuple):
    kind: str
    retryable: bool
    meaning: str
    line: str  # "seed:line"


def normalise_code(code: object) -> str:
    """``"020000 1"`` -> ``"0200001"``; ints and stray whitespace are accepted."""
    return re.sub(r"\s+", "", str(code))


@lru_cache(maxsize=1)
def huawei_table() -> dict[str, Any]:
    """The extracted Huawei tables: ``{"isales": {section: {...}}, "ccfs": {code: {...}}}``."""
    text = resources.files("callcore.platforms").joinpath("data/huawei_codes.json").read_text("utf-8")
    tables: dict[str, Any] = json.loads(text)
    return tables


# Kind and retryability of Huawei iSales codes (meaning comes from the per-API table, because the
# 7-digit codes mean different things in different APIs, notes/outbound.md 0.1).
_HW_ISALES_KIND: dict[str, tuple[str, bool]] = {
    "0200001": ("ParameterError", False),
    "0200002": ("ParameterError", False),
    "0200003": ("LimitExceededError", False),
    "0200004": ("LimitExceededError", False),
    "0200005": ("DuplicateError", False),
    "0200006": ("ServerError", True),  # 数据库操作异常
    "0200007": ("NotFoundError", False),  # 7.3.1: 号码已存在黑名单中 (handled per endpoint)
    "0200011": ("StateError", False),
    "0200017": ("NotFoundError", False),
    "0200018": ("DuplicateError", False),
    "0200019": ("StateError", False),
    "0200020": ("LimitExceededError", False),
    "0200022": ("FlowControlError", True),
    "0200024": ("BlacklistedError", False),
    "0200028": ("StateError", False),
    "0200029": ("LimitExceededError", False),
    "0200030": ("ParameterError", False),
}
_HW_ENDPOINT_KIND: dict[tuple[str, str], tuple[str, bool]] = {
    ("7.3.1", "0200007"): ("DuplicateError", False),  # 号码已存在黑名单中 (001:24810)
    ("7.1.5", "0200009"): ("StateError", False),  # 外呼任务还在启动中: pause it first (001:22667)
    ("7.8.2", "0200006"): ("NotFoundError", False),  # 服务器配置信息不存在, not a database fault (001:27574)
}

_CCFS_KIND: dict[str, tuple[str, bool]] = {
    "0300008": ("FlowControlError", True),
    "0300009": ("FlowControlError", True),
    "0300011": ("NotFoundError", False),
    "0300012": ("NotFoundError", False),
    "0300015": ("ServerError", False),
    "0300018": ("AuthenticationError", False),
    "0300025": ("ServerError", True),
    "0300026": ("AuthenticationError", False),
    "0300029": ("NotFoundError", False),
    "0300030": ("ServerError", True),
    "0300045": ("ServerError", True),
    "0300046": ("ServerError", False),
    "0300047": ("ServerError", True),
    "0300048": ("ServerError", False),
    "0300049": ("ServerError", False),
}


def huawei_isales_code(code: object, section: str | None) -> CodeInfo:
    """Kind, retryability and meaning of an iSales code, as documented for API *section*."""
    c = normalise_code(code)
    table = huawei_table()["isales"]
    entry = None
    if section and section in table:
        entry = table[section]["codes"].get(c)
    if entry is None:  # fall back to any API documenting the code
        for sec in table.values():
            if c in sec["codes"]:
                entry = sec["codes"][c]
                break
    if len(c) == 8 and c.startswith("020000"):
        kind, retry = "ParameterError", False
    else:
        kind, retry = _HW_ENDPOINT_KIND.get((section or "", c)) or _HW_ISALES_KIND.get(c, ("ApiError", False))
    meaning = entry["desc"] if entry else "undocumented code"
    line = f"001:{entry['line']}" if entry else ""
    return CodeInfo(kind, retry, meaning, line)


def huawei_ccfs_code(code: object) -> CodeInfo:
    """Kind, retryability and meaning of a CC-FS code (table 13.2.3.1)."""
    c = normalise_code(code)
    entry = huawei_table()["ccfs"].get(c)
    if c in _CCFS_KIND:
        kind, retry = _CCFS_KIND[c]
    elif entry and int(c) <= 300007 or c in {"0300010", "0300013", "0300014", "0300016", "0300017", "0300019",
                                               "0300020", "0300021", "0300022", "0300024", "0300027", "0300028",
                                               "0300031", "0300032", "0300033", "0300034"}:
        kind, retry = "ParameterError", False
    else:
        kind, retry = "ApiError", False
    if entry:
        meaning = f"{entry['desc']} ({entry['en']}) {entry['action']}".strip()
        return CodeInfo(kind, retry, meaning, f"001:{entry['line']}")
    return CodeInfo(kind, retry, "undocumented code", "")


# SCCC: 003:258-362. `error` is typed Int; the hex codes exceed 2**31, so both the unsigned and
# the signed 32-bit forms are accepted (notes/outbound.md 5).
SCCC_CODES: dict[int, CodeInfo] = {
    -1: CodeInfo("ServerError", True, "E_FAIL 未知错误", "003:262"),
    1: CodeInfo("AuthenticationError", False, "E_S_AUTH_FAIL 认证失败", "003:266"),
    2: CodeInfo("AuthenticationError", True, "E_S_SESS_TIMEOUT SESSION 超时", "003:268"),
    3: CodeInfo("AuthenticationError", True, "E_S_SESS_BREAKEN SESSION 被破坏", "003:274"),
    4: CodeInfo("ServerError", True, "E_W_DB_OPT_FAIL 数据库操作失败", "003:276"),
    5: CodeInfo("ParameterError", False, "E_C_INVALID_PARAM 参数错误", "003:278"),
    6: CodeInfo("AuthenticationError", False, "E_S_ACCESS_FORBIDDEN 访问受限", "003:280"),
    7: CodeInfo("ServerError", False, "E_C_CONFIG_ERROR 配置错误", "003:281"),
    8: CodeInfo("ParameterError", False, "E_C_INVALID_MSG 请求数据格式错误", "003:283"),
    10: CodeInfo("ParameterError", False, "E_C_UNSUPPORT_API_VERSION 不支持的 API 版本", "003:285"),
    11: CodeInfo("ParameterError", False, "E_C_UNSUPPORT_API_REQUEST 不支持的 API 请求", "003:291"),
    0xF1000001: CodeInfo("ParameterError", False, "E_G_INVALID_PARAM 参数错误", "003:295"),
    0xF1000002: CodeInfo("ServerError", True, "E_G_DB_OPT_FAIL 数据库操作失败", "003:297"),
    0xF1000003: CodeInfo("StateError", True, "E_G_RES_IN_USE 资源正在被使用", "003:299"),
    0xF1000004: CodeInfo("DuplicateError", False, "E_G_RES_NAME_EXIST 资源名称被使用", "003:301"),
    0xF1000005: CodeInfo("ParameterError", False, "E_G_BILLING_RATE_CONFLICT 计费费率冲突", "003:303"),
    0xF1000006: CodeInfo("ServerError", True, "E_G_INTER_ERROR 内部错误", "003:307"),
    0xF1000007: CodeInfo("ServerError", True, "E_G_QUERY_FAIL 查询失败", "003:311"),
    0xF1000008: CodeInfo("NotFoundError", False, "E_G_RES_NOT_EXIST 资源不存在", "003:317"),
    0xF1000009: CodeInfo("ServerError", True, "E_G_RES_ALLOC_FAIL 申请资源失败", "003:319"),
    0xF100000A: CodeInfo("ServerError", True, "E_G_EXEC_FAIL 模块之间通讯失败", "003:321"),
    0xF100000B: CodeInfo("AuthenticationError", False, "E_G_PASSWORD_ERROR 密码错误", "003:323"),
    0xF100000C: CodeInfo("LimitExceededError", False, "E_G_BALANCE_TOO_LARGE 余额超出系统范围", "003:325"),
    0xF100000D: CodeInfo("LimitExceededError", False, "E_G_MONEY_TOO_LARGE 单次操作金额太大", "003:329"),
    0xF100000E: CodeInfo("StateError", False, "E_G_INVALID_OPT 非法操作", "003:333"),
    0xF100000F: CodeInfo("LimitExceededError", False, "E_G_BALANCE_LACK 余额不足", "003:335"),
    0xF1000010: CodeInfo("ServerError", True, "E_G_READ_FILE_FAIL 文件读取失败", "003:337"),
    0xF1000011: CodeInfo("NotFoundError", False, "E_G_FILE_NOT_EXIST 文件不存在", "003:338"),
    0xF1000012: CodeInfo("ServerError", True, "E_G_UPLOAD_FAIL 上传失败", "003:340"),
    0xF1000013: CodeInfo("NotFoundError", False, "E_G_STAFF_NO_EXIST 指定工号不存在", "003:342"),
    0xF1000014: CodeInfo("ServerError", False, "E_G_CONFIG_ERROR 配置错误", "003:344"),
    0xF1000015: CodeInfo("DuplicateError", False, "E_G_NUMBER_EXIST 号码已经存在", "003:346"),
    0xF1000016: CodeInfo("ServerError", True, "E_G_DATASYN_FAIL 数据同步失败", "003:348"),
    0xF1000017: CodeInfo("ParameterError", False, "E_G_NUMBER_INVALID 号码非法", "003:350"),
    0xF1000018: CodeInfo("NotFoundError", False, "E_G_DID_NO_EXIST DID号码不存在", "003:352"),
    0xF1000019: CodeInfo("ParameterError", False, "E_G_FEE_ERROR 费率错误", "003:354"),
    0xF1000020: CodeInfo("ParameterError", False, "E_G_INVALID_MSG 指定格式解析数据失败", "003:356"),
    0xF1000021: CodeInfo("FlowControlError", True, "E_G_API_TO_FREQUENTLY API 请求太频繁", "003:360"),
}


def sccc_code(code: object) -> CodeInfo:
    """SCCC ``result.error`` in decimal, hex text, unsigned or signed 32-bit form."""
    s = str(code).strip()
    try:
        n = int(s, 16) if s.lower().startswith("0x") else int(s)
    except ValueError:
        return CodeInfo("ApiError", False, f"unparseable error code {s!r}", "")
    if n < -1:
        n &= 0xFFFFFFFF
    return SCCC_CODES.get(n, CodeInfo("ApiError", False, "undocumented code", ""))


# 八百呼: 004:129-141. addTask says ">0 is failure" (004:1091), so any non-zero code is a failure.
BABAIHU_CODES: dict[int, CodeInfo] = {
    -1: CodeInfo("ServerError", True, "网络错误", "004:132"),
    -2: CodeInfo("AuthenticationError", False, "验证错误 (sa_user / sa_password)", "004:133"),
    -3: CodeInfo("ServerError", True, "方法内部错误", "004:134"),
    -5: CodeInfo("AuthenticationError", False, "没有权限", "004:135"),
    -6: CodeInfo("ServerError", False, "SQL 语句执行错误", "004:136"),
    -10: CodeInfo("DuplicateError", False, "数据已经存在", "004:137"),
    -11: CodeInfo("NotFoundError", False, "数据不存在", "004:138"),
    -12: CodeInfo("LimitExceededError", False, "超过最大值错误", "004:139"),
    -13: CodeInfo("ServerError", True, "文件保存失败", "004:140"),
    -14: CodeInfo("AuthenticationError", False, "验证组错误", "004:141"),
}


def babaihu_code(code: object) -> CodeInfo:
    try:
        n = int(str(code).strip())
    except ValueError:
        return CodeInfo("ApiError", False, f"unparseable code {code!r}", "")
    return BABAIHU_CODES.get(n, CodeInfo("ApiError", False, "failure (non-zero code, 004:1091)", "004:1091"))


# 九五: 000:2915-2923, plus the OAuth errors of /oauth/token (000:277-280).
HL95_CODES: dict[str, CodeInfo] = {
    "-1": CodeInfo("ApiError", False, "未知错误 (the only documented failure code; the message says why)", "000:2921"),
    "1001": CodeInfo("ApiError", False, "公共异常 (暂未定义)", "000:2922"),
    "1002": CodeInfo("ApiError", False, "公共异常 (暂未定义)", "000:2923"),
    "10101": CodeInfo("ApiError", False, "业务异常 (暂未定义)", "000:2924"),
    "invalid_client": CodeInfo("AuthenticationError", False,
                               "client_id/client_secret wrong, or permission not opened/expired", "000:278"),
    "invalid_scope": CodeInfo("ParameterError", False, "scope not allowed", "000:279"),
    "invalid_request": CodeInfo("ParameterError", False, "grant_type missing or wrong", "000:280"),
    "invalid_token": CodeInfo("AuthenticationError", True, "access_token expired or unknown: fetch a new one", ""),
}


def hl95_code(code: object) -> CodeInfo:
    return HL95_CODES.get(str(code).strip(), CodeInfo("ApiError", False, "undocumented code", ""))
