package redirect

// AppendMobileHeader appends the built-in Mobile Header to dst: a bar with
// the header text and a switch button, plus a small script that moves the
// bar into Config.HeaderParent and, on a click, deletes the opt-out cookie
// and reloads the page without the shopgate_redirect parameter so that the
// server redirects again. It is meant to go right after <body...>.
func (r *Redirector) AppendMobileHeader(dst []byte) []byte {
	return append(dst, r.header...)
}

// buildHeader renders the header once; it does not depend on the page.
func (r *Redirector) buildHeader() []byte {
	var b []byte
	b = append(b, `<div id="shopgate_mobile_header" style="line-height:30px;font-size:30px;font-family:&#34;Helvetica Neue&#34;,Helvetica,Arial,sans-serif;font-weight:bold;text-align:left;background:#fff;border:1px solid #ADADAD;border-radius:8px;color:#222;margin:20px auto 40px auto;padding:15px;position:relative;width:560px;clear:both">`...)
	b = appendAttr(b, r.cfg.HeaderText) // as HTML text
	b = append(b, `<img id="shopgate_mobile_button" class="sg_mobile_button_off" alt="" src="`...)
	b = appendAttr(b, r.staticHost+"/api/mobile_header/button_off.png")
	b = append(b, `" style="height:45px;position:absolute;right:15px;top:7px;border:0;margin:0;padding:0;background:none"></div>
<script type="text/javascript">
(function () {
  var bar = document.getElementById("shopgate_mobile_header");
  if (!bar) { return; }
  var parentSelector = `...)
	b = appendScriptValue(b, r.cfg.HeaderParent)
	b = append(b, `, prepend = `...)
	b = appendBool(b, !r.cfg.HeaderAppend)
	b = append(b, `;
  var img = document.getElementById("shopgate_mobile_button");
  var imageBase = `...)
	b = appendScriptValue(b, r.staticHost+"/api/mobile_header/")
	b = append(b, `;
  function place() {
    var parent = document.querySelector(parentSelector);
    if (!parent) { return; }
    if (prepend) {
      if (parent.firstChild !== bar) { parent.insertBefore(bar, parent.firstChild); }
    } else {
      parent.appendChild(bar);
    }
  }
  if (parentSelector !== "body" || !prepend) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", place);
    } else {
      place();
    }
  }
  img.onclick = function () {
    if (img.className !== "sg_mobile_button_off") {
      img.className = "sg_mobile_button_off";
      img.src = imageBase + "button_off.png";
      return;
    }
    img.className = "sg_mobile_button_on";
    img.src = imageBase + "button_on.png";
    document.cookie = "`...)
	b = append(b, CookieName...)
	b = append(b, `=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
    var kept = [], parts = window.location.search.replace(/^\?/, "").split("&");
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] !== "" && !/^`...)
	b = append(b, ParamName...)
	b = append(b, `(=|$)/.test(parts[i])) { kept.push(parts[i]); }
    }
    var target = window.location.pathname + (kept.length ? "?" + kept.join("&") : "") + window.location.hash;
    setTimeout(function () { window.location.replace(target); }, 500);
  };
})();
</script>
`...)
	return b
}

// appendScriptValue appends s as a double-quoted JavaScript string literal
// safe inside a script element.
func appendScriptValue(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSString(dst, s)
	return append(dst, '"')
}
