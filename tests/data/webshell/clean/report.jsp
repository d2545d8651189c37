<%@ page contentType="text/html; charset=UTF-8" %>
<%@ page import="java.util.*" %>
<%
String month = request.getParameter("month");
if (month == null || !month.matches("\\d{4}-\\d{2}")) { month = "2026-11"; }
List<String> rows = ReportService.rowsFor(month);
%>
<h1>Report <%= month %></h1>
<ul><% for (String r : rows) { %><li><%= org.owasp.encoder.Encode.forHtml(r) %></li><% } %></ul>
