/*
 * rampart-webshell.yar — rampart-agent's own webshell rules (YARA 4).
 *
 * Each rule names one trait of a web shell: user input reaching code
 * evaluation or command execution, decoding chains that hide code, or the
 * markers of well-known shell families. Scanned: script files (PHP, JSP,
 * ASP/ASPX, Python, Perl, shell CGI) under webshell_root, when created or
 * changed and at each full scan (docs/AGENT.md). Ordinary application code
 * calls exec() or eval() with its own values; these rules look for request
 * data flowing straight in, or for the obfuscation shells use to hide it.
 * Tested against own samples and a corpus of ordinary PHP/JS that must not
 * match (tests/unit/agent/webshell_test.c, tests/data/webshell/).
 */

rule php_eval_of_request
{
    meta:
        description = "PHP evaluates request data (eval/assert/create_function on a superglobal)"
    strings:
        $direct = /\b(eval|assert|create_function)\s*\(\s*(@\s*)?(stripslashes\s*\(\s*|trim\s*\(\s*|urldecode\s*\(\s*|base64_decode\s*\(\s*)*\$_(GET|POST|REQUEST|COOKIE|SERVER|FILES)\b/ nocase
        $via_var = /\$\w{1,30}\s*=\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*;\s*(@\s*)?(eval|assert)\s*\(\s*\$\w{1,30}\s*\)/ nocase
    condition:
        any of them
}

rule php_command_from_request
{
    meta:
        description = "PHP runs a command taken from the request"
    strings:
        $call = /\b(system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*(@\s*)?(stripslashes\s*\(\s*|base64_decode\s*\(\s*|urldecode\s*\(\s*)*\$_(GET|POST|REQUEST|COOKIE|SERVER)\b/ nocase
        $backtick = /`\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
    condition:
        any of them
}

rule php_function_name_from_request
{
    meta:
        description = "PHP calls a function whose name comes from the request ($_GET['f']($_POST['a']))"
    strings:
        $call = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(/
        $array_map = /\b(array_map|call_user_func|call_user_func_array|array_filter|usort|uasort)\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)\b/ nocase
    condition:
        any of them
}

rule php_obfuscated_eval
{
    meta:
        description = "PHP evaluates decoded or decompressed text (eval(gzinflate(base64_decode(...))))"
    strings:
        $chain = /\b(eval|assert)\s*\(\s*(@\s*)?(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode|strrev|hex2bin|convert_uudecode)\s*\(/ nocase
        $preg_e = /preg_replace\s*\(\s*["']\/[^"'\n]{0,200}\/[imsxuADSUX]*e[imsxuADSUX]*["']\s*,/
    condition:
        any of them
}

rule php_packed_payload
{
    meta:
        description = "a long encoded blob next to code evaluation"
    strings:
        $blob = /(base64_decode|gzinflate|gzuncompress|str_rot13)\s*\(\s*["'][A-Za-z0-9+\/]{500}/ nocase
        $eval = /\b(eval|assert|create_function)\s*\(/ nocase
    condition:
        $blob and $eval
}

rule jsp_command_from_request
{
    meta:
        description = "JSP runs a command taken from the request"
    strings:
        $exec1 = "Runtime.getRuntime().exec(" nocase
        $exec2 = "new ProcessBuilder(" nocase
        $param = "request.getParameter(" nocase
    condition:
        any of ($exec*) and $param
}

rule aspx_command_from_request
{
    meta:
        description = "ASP/ASPX starts a process with request data"
    strings:
        $start1 = "Process.Start(" nocase
        $start2 = "ProcessStartInfo" nocase
        $start3 = "WScript.Shell" nocase
        $req1 = /Request\s*(\.\s*(Form|QueryString|Params)\s*)?[\[(]\s*"/ nocase
        $req2 = /Request\s*\.\s*(Form|QueryString|Item)\s*\(/ nocase
    condition:
        any of ($start*) and any of ($req*)
}

rule cgi_command_from_request
{
    meta:
        description = "a Python or Perl CGI script runs a command from its form input"
    strings:
        $py_form = "cgi.FieldStorage(" nocase
        $py_exec = /\b(os\.system|os\.popen|subprocess\.(call|run|Popen|check_output))\s*\(\s*\w{1,30}\s*(\.getvalue\s*\(|\[)/
        $pl_param = /param\s*\(\s*['"]\w{1,20}['"]\s*\)/
        $pl_exec = /\b(system|exec)\s*\(\s*\$\w{1,30}\s*\)/
    condition:
        ($py_form and $py_exec) or ($pl_param and $pl_exec)
}

rule known_webshell_family
{
    meta:
        description = "markers of well-known web shell families"
    strings:
        $c99 = "c99shell" nocase
        $r57 = "r57shell" nocase
        $wso = /WSO\s+[0-9.]+\s*<\/title>/ nocase
        $b374k = "b374k" nocase
        $filesman = "FilesMan" fullword
        $weevely = "$kh=\"" ascii
        $china_chopper = /<%@\s*Page\s+Language\s*=\s*"Jscript"\s*%>\s*<%\s*eval\s*\(\s*Request/ nocase
        $antsword = "@ini_set(\"display_errors\", \"0\");@set_time_limit(0);" ascii
    condition:
        any of them
}
