-- post.lua — the `post` workload of bench/run.sh: a ~1 KB JSON application
-- form with Chinese text, as a single-page app would POST it. The body is
-- read from bench/post.json (path in BENCH_POST_JSON) so that run.sh's
-- pre-checks send exactly the same document.
local path = os.getenv("BENCH_POST_JSON") or "bench/post.json"
local f = assert(io.open(path, "rb"), "cannot open " .. path)
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = "/api/applications"
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["Accept"] = "application/json, text/plain, */*"
wrk.headers["Accept-Language"] = "zh-CN,zh;q=0.9,en;q=0.8"
-- A site name, as browsers send it: a numeric Host is itself a CRS finding
-- (920350) and would put every ModSecurity request into its audit log.
wrk.headers["Host"] = "zwfw.example.gov.cn"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
                            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.headers["Cookie"] = "JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN"
wrk.headers["Referer"] = "https://zwfw.example.gov.cn/apply"
wrk.headers["Origin"] = "https://zwfw.example.gov.cn"
