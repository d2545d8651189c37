-- big.lua — the `big` workload of bench/run.sh: GET /big, a 64 KB HTML page
-- from the upstream, with ordinary browser headers. Measures the cost of
-- streaming a larger response body through the front.
wrk.method = "GET"
wrk.path = "/big"
-- A site name, as browsers send it: a numeric Host is itself a CRS finding
-- (920350) and would put every ModSecurity request into its audit log.
wrk.headers["Host"] = "zwfw.example.gov.cn"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
                            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
wrk.headers["Accept-Language"] = "zh-CN,zh;q=0.9,en;q=0.8"
