"""
seed.py — deterministic fixture data for the demo citizen-service app.

Everything here is synthetic: names are drawn from common surname/given-name
lists, resident ID numbers are built from real region codes, a birth date, a
sequence number and the GB 11643-1999 check digit (so detectors that verify
the checksum treat them as real), and mobile numbers use real carrier
prefixes. A fixed random seed makes every start produce the same records, so
tests and screenshots are reproducible.
"""

import datetime
import random

# GB 11643-1999: weights of the first 17 digits, and the check character
# indexed by (weighted sum mod 11).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# (region code, province/city/district as written in an address)
REGIONS = (
    ("310101", "上海市黄浦区"),
    ("310104", "上海市徐汇区"),
    ("310115", "上海市浦东新区"),
    ("110105", "北京市朝阳区"),
    ("110108", "北京市海淀区"),
    ("440305", "广东省深圳市南山区"),
    ("440106", "广东省广州市天河区"),
    ("330106", "浙江省杭州市西湖区"),
    ("320102", "江苏省南京市玄武区"),
    ("510107", "四川省成都市武侯区"),
    ("420106", "湖北省武汉市武昌区"),
    ("610113", "陕西省西安市雁塔区"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红",
         "建国", "志强", "海燕", "晓明", "雪", "婷", "宇", "浩然", "子涵", "欣怡", "梓萱",
         "一诺", "思远", "嘉怡", "俊杰")
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "长江路", "文化路",
           "幸福路", "青年路", "南京东路", "淮海中路", "科技园路", "学院路", "滨江大道")
MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "150", "151", "152", "157",
                   "158", "159", "182", "183", "187", "188", "130", "131", "132", "155",
                   "156", "185", "186", "176", "133", "153", "177", "180", "181", "189",
                   "199", "191")

SERVICES = (
    ("社保查询", "Social insurance inquiry", "人社局"),
    ("公积金提取", "Housing fund withdrawal", "公积金中心"),
    ("居住证办理", "Residence permit", "公安局"),
    ("出生登记", "Birth registration", "卫健委"),
    ("医保报销", "Medical insurance reimbursement", "医保局"),
    ("不动产登记", "Real estate registration", "不动产登记中心"),
    ("营业执照申请", "Business licence application", "市场监管局"),
    ("个税申报", "Individual income tax filing", "税务局"),
    ("身份证换领", "ID card renewal", "公安局"),
    ("失业登记", "Unemployment registration", "人社局"),
)


def id_check_digit(first17):
    """The GB 11643 check character for a 17-digit string."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[total % 11]


def make_id_number(rng, region, birth, female):
    seq = rng.randint(0, 99) * 10 + rng.randrange(0, 10, 2) + (0 if female else 1)
    first17 = "%s%s%03d" % (region, birth.strftime("%Y%m%d"), seq)
    return first17 + id_check_digit(first17)


def make_phone(rng):
    return rng.choice(MOBILE_PREFIXES) + "%08d" % rng.randint(0, 99999999)


def citizens(count=60, seed=20240601):
    """Yield citizen records as dicts. The first two are test accounts whose
    names contain 'test' (every portal has some), which also gives the
    injectable search a non-empty result for q=test."""
    rng = random.Random(seed)
    epoch = datetime.date(1950, 1, 1)
    for i in range(count):
        region, place = rng.choice(REGIONS)
        birth = epoch + datetime.timedelta(days=rng.randint(0, 365 * 55))
        female = rng.random() < 0.5
        if i < 2:
            name = "测试用户 test%02d" % (i + 1)
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        address = "%s%s%d号%d室" % (place, rng.choice(STREETS), rng.randint(1, 999),
                                  rng.randint(101, 2608))
        yield {
            "name": name,
            "gender": "女" if female else "男",
            "idNumber": make_id_number(rng, region, birth, female),
            "phone": make_phone(rng),
            "address": address,
            "district": place,
            "birthDate": birth.isoformat(),
        }


def valid_id_number(s):
    """True when s is an 18-character ID number with a correct check digit."""
    return (len(s) == 18 and s[:17].isdigit() and s[17] in ID_CHECK
            and id_check_digit(s[:17]) == s[17])
