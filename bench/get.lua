-- get.lua — the `get` workload of bench/run.sh: a browser-like GET of the
-- portal's search page, with Chinese query text (URL-encoded), the headers a
-- real browser sends (zh-CN language, cookies, referer) and a few arguments.
-- Static request: wrk builds it once, so the load generator stays cheap.
wrk.method = "GET"
-- /search?q=社保查询&page=2&sort=date&lang=zh-CN
wrk.path = "/search?q=%E7%A4%BE%E4%BF%9D%E6%9F%A5%E8%AF%A2&page=2&sort=date&lang=zh-CN"
-- A site name, as browsers send it: a numeric Host is itself a CRS finding
-- (920350) and would put every ModSecurity request into its audit log.
wrk.headers["Host"] = "zwfw.example.gov.cn"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
                            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9," ..
                        "image/avif,image/webp,*/*;q=0.8"
wrk.headers["Accept-Language"] = "zh-CN,zh;q=0.9,en;q=0.8"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
wrk.headers["Cookie"] = "JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN; " ..
                        "_ga=GA1.3.1849203751.1714521600"
wrk.headers["Referer"] = "https://zwfw.example.gov.cn/index.html"
wrk.headers["Upgrade-Insecure-Requests"] = "1"
