"""Every command's and option's help, in English and in Chinese.

Clerks read Chinese; scripts' authors may read English. The help is shown in
the output's language (:func:`welfare_calc.output.formats.chosen_lang`): Chinese
unless ``WELFARE_CALC_LANG=en`` or an English ``LANG`` says otherwise. A
text is found by ``command.option`` (the option's parameter name), else by the
option alone for options that several commands share; ``tests/test_help.py``
holds every command and option to a text in both languages.
"""

from __future__ import annotations

from welfare_calc.output.formats import Lang

HELP: dict[str, tuple[str, str]] = {
    # --- the group ---------------------------------------------------------------------
    "welfare-calc": (
        "低保、特困供养待遇及提标增补计算 (周政办字〔2020〕29号).\n\n"
        "Dibao and tekun entitlements and back-pay for the Zhoucun 2020 standards, exact to "
        "the fen. Run a command with --help for its options.",
        "低保、特困供养待遇及提标增补计算（周政办字〔2020〕29号）。\n\n"
        "按周村区 2020 年标准计算城乡低保、特困供养的月度和年度待遇及提标增补金额，精确到分。"
        "各命令的选项见“命令 --help”。"),
    "standards_path": (
        "Standards file to use instead of the shipped one (or $WELFARE_CALC_STANDARDS).",
        "使用指定的标准文件，而不用随程序提供的标准表（也可设置环境变量 "
        "WELFARE_CALC_STANDARDS）。"),
    "version": (
        "Show the version and the standards file's document and hash.",
        "显示版本号，以及所用标准文件的文号和校验值（SHA-256）。"),
    "help": ("Show this message and exit.", "显示本帮助并退出。"),
    # --- shared options ----------------------------------------------------------------
    "fmt": (
        "table for people; json or csv for scripts (English keys, money as text). "
        "Default: table.",
        "输出格式：table（表格，供人阅读，默认）；json 或 csv（供脚本使用，英文键名，"
        "金额为文本）。"),
    "lang": (
        "Language of table labels, --explain and messages: zh or en (default: Chinese, or "
        "English with WELFARE_CALC_LANG=en or an English LANG).",
        "表格标签、计算过程（--explain）和提示信息的语言：zh 中文或 en 英文（默认中文；设置 "
        "WELFARE_CALC_LANG=en 或英文 LANG 时为英文）。"),
    "message_lang": (
        "Language of messages: zh or en (default: Chinese, or English with "
        "WELFARE_CALC_LANG=en or an English LANG).",
        "提示信息的语言：zh 中文或 en 英文（默认中文；设置 WELFARE_CALC_LANG=en 或英文 LANG "
        "时为英文）。"),
    "category": (
        "urban-dibao, rural-dibao, urban-tekun, rural-tekun, or a Chinese name (城市低保 …).",
        "保障类别：urban-dibao（城市低保）、rural-dibao（农村低保）、urban-tekun（城市特困）、"
        "rural-tekun（农村特困），也可直接写中文名称。"),
    "persons": (
        "Covered persons (保障人数), a whole number ≥ 1.",
        "保障人数，整数，至少 1 人。"),
    "income": (
        "Per-capita monthly income (家庭月人均收入), yuan, ≤ 2 decimals. Default: 0.",
        "家庭月人均收入，单位元，最多两位小数（默认 0）。"),
    "start": (
        "First covered month, YYYY-MM (default: covered before).",
        "起始保障月份，格式 YYYY-MM（默认：此前已在保）。"),
    "end": (
        "Last covered month, YYYY-MM (default: still covered).",
        "截止保障月份，格式 YYYY-MM（默认：仍在保）。"),
    "supplement": (
        "分类施保 supplement paid with dibao: 50.00 (yuan a month) or 20% (of the monthly "
        "dibao amount, as rounded). Dibao only.",
        "分类施保金：50.00（每月固定金额，元）或 20%（按月保障金的百分比，按舍入方式舍入）。"
        "仅适用于低保。"),
    "care": (
        "Tekun care tier (照料护理等级): 全自理, 半护理 or 全护理 (self-care, partial-care, "
        "full-care); the care standard of the tier is paid beside the basic one. Tekun "
        "only; left out: the basic standard alone.",
        "特困人员照料护理等级：全自理、半护理或全护理（self-care、partial-care、full-care），"
        "按该等级的照料护理标准与基本生活标准分开计发。仅适用于特困供养；不填则只计基本生活标准。"),
    "explain": (
        "Write the calculation out with its legal source (计算过程).",
        "逐步写出计算过程及其文件依据。"),
    "rounding": (
        "Where amounts are rounded: household-month (each month's amount, as it is paid) "
        "or total (the exact sum, once). Default: the standards file's setting "
        "(shipped: household-month).",
        "舍入方式：household-month（按户按月舍入到分，与实际发放一致）或 total（精确合计后"
        "一次舍入）。默认取标准文件的设置（随程序提供的为 household-month）。"),
    "through": (
        "Last month paid at the old standard, YYYY-MM. The window runs from the latest raise "
        "in force by then (or --raise) through this month.",
        "按原标准发放的最后一个月，格式 YYYY-MM。增补期间从该月之前最近一次提标的起始月"
        "（或 --raise 指定的提标）起，至该月止。"),
    "named_raise": (
        "The raise whose back-pay this is, by the month it took effect (YYYY-MM, e.g. "
        "2022-01). Default: the latest in force by --through.",
        "指定计算哪一次提标的增补，按其起始月份（YYYY-MM，如 2022-01）。默认为 --through "
        "之前最近的一次提标。"),
    "case_name": (
        "The head of household's name, printed at the head of --explain for the case file "
        "(never in JSON or CSV, never kept).",
        "户主姓名，打印在计算过程（--explain）开头，供归档（不写入 JSON 或 CSV，不保存）。"),
    "case_id": (
        "The head of household's ID number, printed as typed at the head of --explain (a "
        "number that fails the ID check is said so on stderr; never in JSON or CSV, never "
        "kept).",
        "户主身份证号，照录打印在计算过程（--explain）开头（未通过身份证号校验的，在屏幕上提示；"
        "不写入 JSON 或 CSV，不保存）。"),
    "case_locality": (
        "The household's locality (town, village), printed at the head of --explain (never "
        "in JSON or CSV, never kept).",
        "属地（乡镇、村），打印在计算过程（--explain）开头（不写入 JSON 或 CSV，不保存）。"),
    # --- standards ---------------------------------------------------------------------
    "standards": (
        "Show the standards of every raise since 2020, with their documents.\n\nEach "
        "value, its unit and monthly figure, the document it rests on and how the figure is "
        "known; the tekun care standards. 'standards diff A B' compares two months.",
        "查看2020年以来各次提标的标准及其文件依据。\n\n逐项列出金额、单位、按月折算额、"
        "所依据的文件和数字的来源，以及特困人员照料护理标准；“standards diff A B”对比两个"
        "月份的标准。"),
    "standards.on": (
        "Only the values in force on this day, YYYY-MM-DD.",
        "只显示某一天（YYYY-MM-DD）执行的标准。"),
    "diff": (
        "Compare the standards of month A with those of month B (YYYY-MM): each standard "
        "at A and at B per person and month, raised or 继续执行, and B's document.",
        "对比月份 A 与月份 B（YYYY-MM）的标准：每项标准在两个月份的每人每月金额、"
        "提高还是继续执行，以及 B 月份所依据的文件。"),
    # --- entitlement -------------------------------------------------------------------
    "entitlement": (
        "Monthly and annual amount of one household, and whether it is eligible.",
        "计算一户的月保障金、年度保障金，并判断是否符合条件。"),
    "entitlement.month": (
        "Month of the monthly amount, YYYY-MM (default: the first covered month of --year; "
        "else --start, else 2020-01).",
        "计算月保障金的月份，格式 YYYY-MM（默认：给出 --year 时为该年第一个在保月份；否则取 "
        "--start，未给时为 2020-01）。"),
    "entitlement.year": (
        "Calendar year of the annual amount (default: the month's year).",
        "计算年度保障金的年份（默认为上述月份所在年份）。"),
    # --- backpay -----------------------------------------------------------------------
    "backpay": (
        "Back-pay (提标增补) owed for months paid at the old standard.",
        "计算提标增补：已按原标准发放的月份应补发的差额。"),
    "backpay.paid": (
        "Amount actually paid for the window, yuan; replaces the computed old amount.",
        "增补期间实际已发金额（元）；给出时代替按原标准计算的已发金额。"),
    "backpay.detail": (
        "Add the per-month table.",
        "同时列出逐月明细。"),
    # --- batch -------------------------------------------------------------------------
    "batch": (
        "Back-pay for every household of a roster (提标增补批量计算).\n\n"
        "INPUT is a CSV file (- for stdin) or an Excel workbook (.xlsx, .xls). Columns: id, "
        "category, persons, income, start, end, and optionally paid (the amount actually "
        "paid for the window) and supplement (分类施保: 50.00 a month or 20%); Chinese "
        "names (编号 or 身份证号, 保障类别, 保障人数, 家庭月人均收入, 起始月份, 截止月份, "
        "已发金额, 分类施保) are accepted too, and other columns are carried through. An "
        "output named .xlsx is a workbook laid out to print and sign: the 补发名册 (结果), "
        "the 资金汇总 by group (汇总) and the rejected rows (问题行). Exit 0 when every row "
        "was accepted, 1 when some were rejected (the rest are written), 2 when the input "
        "is unusable (nothing is written).",
        "批量计算花名册中每一户的提标增补金额。\n\n"
        "INPUT 为 CSV 文件（- 表示标准输入）或 Excel 工作簿（.xlsx、.xls）。列：id、category、"
        "persons、income、start、end，可选 paid（增补期间实际已发金额）和 supplement（分类"
        "施保：每月 50.00 或 20%）；也可用中文列名（编号或身份证号、保障类别、保障人数、家庭月"
        "人均收入、起始月份、截止月份、已发金额、分类施保），其他列原样带出。输出文件名以 .xlsx "
        "结尾时，写成可打印签字的工作簿：补发名册（结果）、按组的资金汇总（汇总）和问题行各占"
        "一页。退出码：0 全部行通过；1 有行被拒（其余行已写出）；2 输入无法使用（什么也不写）。"),
    "batch.output": (
        "Output file: .xlsx for a workbook, else CSV (default: -, stdout).",
        "输出文件：以 .xlsx 结尾为工作簿，否则为 CSV（默认 -，即标准输出）。"),
    "batch.errors_path": (
        "Rejected rows (default: OUTPUT.errors.csv, or stderr with stdout, or the workbook's "
        "问题行 sheet; - for stdout).",
        "被拒行的去向（默认：输出文件名加 .errors.csv；输出到标准输出时为标准错误；输出为"
        "工作簿时写在其“问题行”页；- 表示标准输出）。"),
    "batch.summary_path": (
        "Also write the reconciliation summary here as JSON (- for stdout).",
        "另将对账汇总以 JSON 写到此文件（- 表示标准输出）。"),
    "batch.summary_csv": (
        "Also write the 资金汇总 (a row per group and a 合计 row) here as CSV.",
        "另将资金汇总表（每组一行并有合计行）以 CSV 写到此文件。"),
    "batch.office": (
        "The 制表单位 printed on a workbook's documents (default: a line to fill in).",
        "工作簿各表上打印的制表单位（默认留空待填写）。"),
    "batch.print_columns": (
        "A column the workbook's 补发名册 prints, named as its header (repeatable; all: every "
        "column). Default: those an office files: 序号, the locality, the name, the ID, "
        "保障类别, 保障人数, the income, the months, the amounts and the account; the others "
        "stay in the sheet, hidden from print.",
        "补发名册打印的列，按表头指定（可多次给出；all 表示全部列）。默认打印备案所需的列："
        "序号、属地、姓名、身份证号、保障类别、保障人数、收入、增补月数、各项金额及账号；"
        "其余列仍在表中，只是隐藏、不打印。"),
    "serve": (
        "The clerks' page in a browser (网页版): a household, a roster, the standards.\n\n"
        "单户计算: one household's entitlement and back-pay, and its printable 计算单. "
        "批量计算: a roster uploaded, how it went shown (rows read, written, rejected, the "
        "totals, the rejected rows), its result downloaded. 标准表: the standards. A JSON "
        "API: POST /api/backpay and /api/entitlement.\n\n"
        "Listens on this machine only (127.0.0.1 and [::1]) unless --host says otherwise. "
        "Every request carries a token, on this machine too: the address printed holds "
        "it, and the page opened in the browser keeps it. Started again while it runs, it "
        "opens the running page. Ctrl-C stops it; however it stops, nothing of a roster "
        "is left.",
        "在浏览器中使用的计算页面：单户计算、批量计算和标准表。\n\n"
        "单户计算：一户的待遇和提标增补，及可打印的计算单。批量计算：上传花名册，显示计算"
        "情况（读取、写出、拒收的行数，合计，被拒收的行），下载结果文件。标准表：计算所用的"
        "各项标准。另有 JSON 接口：POST /api/backpay 和 "
        "/api/entitlement。\n\n"
        "默认只在本机（127.0.0.1 和 [::1]）监听，可用 --host 指定其他地址。每个请求都须带上"
        "令牌，本机也一样：显示的地址中含有令牌，在浏览器中打开的页面会记住它。已在运行时再次"
        "启动，会直接打开正在运行的页面。按 Ctrl-C 停止；无论怎样停止，都不会留下花名册的任何"
        "内容。"),
    "serve.host": (
        "Address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0: every "
        "address, for other PCs too).",
        "监听地址（默认 127.0.0.1，仅本机；0.0.0.0 表示所有地址，其他电脑也可访问）。"),
    "serve.port": (
        "Port (default 8000; 0 picks a free one).",
        "端口（默认 8000；0 表示自动选一个空闲端口）。"),
    "serve.open_browser": (
        "Open the page in the default browser (default: when run from a terminal).",
        "在默认浏览器中打开页面（默认：从终端运行时打开）。"),
    "serve.token_file": (
        "A file holding the token every request must carry (readable by you alone); else "
        "the WELFARE_CALC_TOKEN environment variable; else one is made.",
        "存放令牌的文件（只能由本人读取），每个请求都须带上该令牌；未给出时取环境变量 "
        "WELFARE_CALC_TOKEN；都没有时自动生成。"),
    "serve.max_upload": (
        "Largest roster upload, in MB (default 200).",
        "上传花名册的大小上限，单位 MB（默认 200）。"),
    "serve.timeout": (
        "Longest a roster may take, in seconds (default 600).",
        "一个花名册的计算时限，单位秒（默认 600）。"),
    "publicity": (
        "The 公示 list of a roster, for each village to post (公示名单).\n\n"
        "ROSTER is read as batch reads it. Listed: each household covered in --month with an "
        "amount due, as 序号, the head's name masked (张**), 保障类别, 保障人数 and, with "
        "--amounts, the monthly amount. Never printed: ID numbers, bank accounts, income, "
        "phone, address, nor any other column. With --group-by, one list per group (a sheet "
        "each in a workbook). Exit 0, 1 when rows were rejected (and not listed), 2 when "
        "the roster is unusable.",
        "生成花名册的公示名单，供各村（社区）张贴。\n\n"
        "ROSTER 的读取方式与 batch 相同。列出 --month 当月在保且有待遇的每一户：序号、"
        "户主姓名（脱敏为 张**）、保障类别、保障人数，给出 --amounts 时另列月保障金额。"
        "从不打印身份证号、银行账号、收入、电话、住址及其他任何列。给出 --group-by 时每组"
        "一份名单（工作簿中每组一页）。退出码：0；1 有行被拒（未列入）；2 花名册无法使用。"),
    "publicity.month": (
        "The month whose coverage and amount the list shows (YYYY-MM).",
        "名单所示的在保月份及其待遇（YYYY-MM）。"),
    "publicity.output": (
        "The list: .xlsx (laid out to print) or .csv.",
        "公示名单文件：.xlsx（可直接打印）或 .csv。"),
    "publicity.period": (
        "The 公示期 printed under the title, e.g. 2020年8月12日至8月18日.",
        "印在标题下的公示期，例如 2020年8月12日至8月18日。"),
    "publicity.names": (
        "masked (default: the first character, then *) or full.",
        "姓名显示方式：masked（默认，保留首字，其余为 *）或 full（全名）。"),
    "publicity.amounts": (
        "Also list each household's monthly amount.",
        "同时列出每户的月保障金额。"),
    "publicity.name_column": (
        "The header of the names column (default: 户主姓名, 姓名 or name).",
        "姓名所在列的表头（默认：户主姓名、姓名或 name）。"),
    "publicity.office": (
        "The 公示单位 printed on a workbook's list (default: a line to fill in).",
        "工作簿名单上打印的公示单位（默认留空待填写）。"),
    "publicity.hotline": (
        "The 监督电话 printed under a workbook's list, for objections (e.g. 0533-6412345).",
        "工作簿名单下方打印的监督电话，供群众反映意见（例如 0533-6412345）。"),
    "publicity.errors_path": (
        "Rejected rows (default: OUTPUT.errors.csv).",
        "被拒行的去向（默认：输出文件名加 .errors.csv）。"),
    "payroll": (
        "The month's 发放明细 of a roster: what each household is paid (issue 30).\n\n"
        "ROSTER is read as batch reads it. Listed: each household covered in --month with an "
        "amount due, its 户月保障金 and the parts of it (the basic amount, 补差 or 全额; "
        "分类施保; tekun's care standard), with its name, ID, bank and account where the "
        "roster has them. An account that is missing or fails its check (digits, length, "
        "check digit) is 待核实账号: listed and counted, held back from the bank. The end "
        "says the 合计, of which sent and held back. With --group-by, a 小计 per group. An "
        "output named .xlsx is laid out to print and sign, with the month's statistics "
        "(户数, 人数, 金额 and 补助水平 per category) on a second sheet. Exit 0, 1 when rows "
        "were rejected (and not listed), 2 when the roster is unusable (nothing is written).",
        "生成花名册当月的发放明细：每户本月发放多少。\n\n"
        "ROSTER 的读取方式与 batch 相同。列出 --month 当月在保且有应发金额的每一户：户月保障金"
        "及其构成（基本保障金，补差或全额；分类施保金；特困人员照料护理费），花名册有姓名、身份"
        "证号、开户银行、账号时一并列出。账号缺失或校验不通过（位数、校验位）的列为“待核实账号”："
        "照常列入、计入合计，但暂不发往银行。末尾列出合计，及其中发放和待核实账号的金额。给出 "
        "--group-by 时每组有小计。输出文件名以 .xlsx 结尾时写成可打印签字的工作簿，第二页为当月"
        "统计表（各类别户数、人数、金额和补助水平）。退出码：0；1 有行被拒（未列入）；2 花名册"
        "无法使用（什么也不写）。"),
    "payroll.month": (
        "The month paid (YYYY-MM): its coverage and its standard.",
        "发放月份（YYYY-MM）：按当月是否在保及当月标准计算。"),
    "payroll.output": (
        "The 发放明细: .xlsx (laid out to print), .csv, or - (CSV on stdout).",
        "发放明细文件：.xlsx（可直接打印）、.csv，或 -（CSV 输出到标准输出）。"),
    "payroll.errors_path": (
        "Rejected rows (default: OUTPUT.errors.csv; with -o -, stderr).",
        "被拒行的去向（默认：输出文件名加 .errors.csv；输出到标准输出时为标准错误）。"),
    "payroll.summary_path": (
        "Also write the month's totals and statistics here as JSON (- for stdout).",
        "另将当月合计及统计以 JSON 写到此文件（- 表示标准输出）。"),
    "payroll.summary_csv": (
        "Also write the month's statistics (a row per group and a 合计 row) here as CSV.",
        "另将当月统计表（每组一行并有合计行）以 CSV 写到此文件。"),
    "payroll.office": (
        "The 制表单位 printed on a workbook's documents (default: a line to fill in).",
        "工作簿各表上打印的制表单位（默认留空待填写）。"),
    "payroll.columns": (
        "Which header holds one of our columns, as KEY=HEADER (repeatable), as for batch; "
        "and account=HEADER for the bank accounts (default: 账号, 银行账号, 银行卡号 or 卡号).",
        "指定某一列对应的表头，写作 KEY=表头（可多次给出），与 batch 相同；另可用 "
        "account=表头 指定银行账号所在列（默认取 账号、银行账号、银行卡号 或 卡号 列）。"),
    "payroll.previous": (
        "Last month's roster: last month is computed from it at last month's standard and "
        "compared household by household (新增, 停发, 增发, 减发, with reasons); the change "
        "roster is a sheet of a workbook, or CSV beside a CSV 发放明细 (OUTPUT-变动.csv).",
        "上月名册：按上月标准重新计算上月，逐户对比（新增、停发、增发、减发及原因）；输出为工作簿"
        "时变动名册是其中一页，为 CSV 时写在发放明细旁（输出文件名-变动.csv）。"),
    "payroll.changes_path": (
        "With --previous: write the change roster here as CSV (.csv; its "
        "statistics beside it, FILE-统计.csv).",
        "与 --previous 同用时：变动名册以 CSV 写到此文件（.csv；其统计表写在旁边，"
        "文件名-统计.csv）。"),
    "payroll.bank_file": (
        "Also write the bank file (代发文件) of the payments sent here, with the 发放明细 or "
        "not at all: its total is the 发放明细's 其中：发放; 待核实账号 households are left out.",
        "同时把发放的各笔写成代发文件，与发放明细一并写出，否则都不写：其合计等于发放明细的"
        "“其中：发放”；待核实账号的户不写入。"),
    "payroll.bank_layout": (
        "The bank file's layout: csv (default), pipe, or a layout file (.yaml).",
        "代发文件格式：csv（默认）、pipe，或格式文件（.yaml）。"),
    "payroll.batch_no": (
        "The bank file's batch number (default: the month and four digits worked from "
        "--office, e.g. 2024050731: the same each time the month is run).",
        "代发文件的批次号（默认：发放年月加由 --office 算出的四位数字，如 2024050731，同一月份"
        "重复运行时不变）。"),
    # --- reconcile (issue 30 §4) ---------------------------------------------------------
    "reconcile": (
        "Check a bank's return (回盘) against the bank file sent, and list its failures.\n\n"
        "SENT is a bank file this tool wrote; RETURN the bank's answer, which repeats SENT's "
        "columns and adds 处理结果 (成功 or 失败) and 失败原因 (UTF-8 or GBK). Reported: sent = "
        "succeeded + failed, by count and amount, to the fen. With -o, the failed payments "
        "are written as a 重发名单, a roster the next run can take. A return that does not "
        "answer what was sent (a key not sent, an amount that differs, a sent line missing, "
        "a key twice) is refused, naming its lines, and nothing is written. Exit 0, or 2.",
        "核对银行回盘与所发代发文件，列出发放失败的人员。\n\n"
        "SENT 为本工具生成的代发文件；RETURN 为银行回盘，沿用 SENT 的各列，另加“处理结果”"
        "（成功或失败）和“失败原因”（UTF-8 或 GBK 编码均可）。输出：发送 = 成功 + 失败，"
        "笔数和金额都精确到分。给出 -o 时，把失败的发放写成重发名单，可作为下次发放的名册。"
        "回盘与所发不符（有未发送的键、金额不同、缺少已发送的行、同一键出现两次）时拒绝核对，"
        "指明所在行，不写任何文件。退出码：0；2 无法核对。"),
    "reconcile.bank_layout": (
        "The bank file's layout: csv, pipe, or a layout file (.yaml) (default: found from "
        "SENT, else csv).",
        "代发文件格式：csv、pipe，或格式文件（.yaml）（默认根据 SENT 识别，否则为 csv）。"),
    "bank_layout": (
        "The bank file's layout: csv (default), pipe, or a layout file (.yaml).",
        "代发文件格式：csv（默认）、pipe，或格式文件（.yaml）。"),
    "reconcile.columns": (
        "Which header of RETURN holds a column, as KEY=HEADER (repeatable), e.g. --column "
        "key=业务键 --column result=交易状态. KEY: key, amount, result, reason, id, name, "
        "account (or 键, 金额, 处理结果, 失败原因 …).",
        "回盘中某列所在的表头，写作 KEY=表头（可重复），例如 --column key=业务键 --column "
        "result=交易状态。KEY 可为 key、amount、result、reason、id、name、account"
        "（或 键、金额、处理结果、失败原因 等）。"),
    "reconcile.output": (
        "The 重发名单 of the failed payments: .csv or .xlsx.",
        "发放失败人员的重发名单：.csv 或 .xlsx。"),
    "roster.encoding": (
        "Encoding of a CSV input: utf-8, gbk or gb18030 (default: UTF-8 if the file is "
        "UTF-8, else GB18030, which holds GBK).",
        "CSV 输入文件的编码：utf-8、gbk 或 gb18030（默认自动识别：是 UTF-8 就按 UTF-8 读，"
        "否则按兼容 GBK 的 GB18030 读）。"),
    "roster.output_encoding": (
        "Encoding of CSV output (default: utf-8).",
        "CSV 输出的编码（默认 utf-8）。"),
    "roster.excel": (
        "CSV for Excel on Chinese Windows: a UTF-8 BOM and CRLF line endings.",
        "生成供中文 Windows 上 Excel 打开的 CSV：带 UTF-8 BOM，行尾为 CRLF。"),
    "batch.headers": (
        "Computed columns' names and yes/no words: en or zh; default: the roster's language.",
        "计算列的列名及“是/否”：en 英文或 zh 中文；默认与花名册的列名语言一致。"),
    "roster.group_by": (
        "Total by a roster column (乡镇（街道）, 村（社区）, …), or its first N characters "
        "(HEADER:9 for a town's 行政区划代码); give it twice for town, then village.",
        "按花名册的某一列（乡镇（街道）、村（社区）等）或其前 N 个字符（如 行政区划代码:9）"
        "分组汇总；可给两次：先乡镇，后村居。"),
    "batch.fmt": (
        "csv (default), or jsonl: one JSON object per line.",
        "输出格式：csv（默认），或 jsonl（每行一个 JSON 对象）。"),
    "roster.sheet": (
        "Sheet of a workbook INPUT to read (default: the active sheet, or the first visible "
        "one; a hidden sheet only when named).",
        "读取工作簿的哪一页（默认：当前活动页，或第一个可见页；隐藏页须指名才读）。"),
    "roster.columns": (
        "Which header holds one of our columns, as KEY=HEADER (repeatable), e.g. "
        "--column id=身份证号. Rosters' own names are known without it: 编号, 身份证号 "
        "(身份证号码, 公民身份号码), 保障类别, 保障人数, 家庭月人均收入, 起始月份, 截止月份, "
        "已发金额; 家庭人口 is never taken for persons.",
        "指定某一列对应的表头，写作 KEY=表头（可多次给出），例如 --column id=身份证号。"
        "花名册的常用列名无需指定即可识别：编号、身份证号（身份证号码、公民身份号码）、保障类别、"
        "保障人数、家庭月人均收入、起始月份、截止月份、已发金额；家庭人口不会被当作保障人数。"),
    "roster.header_row": (
        "Row of a workbook INPUT that holds the header, as Excel numbers rows (default: the "
        "first row naming the required columns).",
        "工作簿中表头所在的行号，按 Excel 的行号（默认：第一个含齐必需列名的行）。"),
}
"""Help texts by key: (English, Chinese)."""

WORDS: dict[str, tuple[str, str]] = {
    "usage": ("Usage: ", "用法："),
    "options": ("Options", "选项"),
    "commands": ("Commands", "命令"),
    "required": ("[required]", "[必填]"),
}
"""Click's own words around the help, in both languages."""


def help_text(key: str, lang: Lang) -> str:
    """The help text of ``key`` in ``lang``."""
    english, chinese = HELP[key]
    return lang.of(chinese, english)


def word(key: str, lang: Lang) -> str:
    """One of click's own words (a heading) in ``lang``."""
    english, chinese = WORDS[key]
    return lang.of(chinese, english)
