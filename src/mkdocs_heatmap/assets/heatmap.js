/* mkdocs-heatmap: read a heatmap's cells by pointer, touch or keyboard.
 *
 * A figure with `hover: true` is a focusable .heatmap-hover area whose
 * data-heatmap attribute holds, per panel, where its cells are in the image
 * (fractions), its labels and its cell texts.  Listeners sit on the document,
 * so figures that arrive later (Material's instant navigation) need nothing;
 * the data is read when a figure is first used.  No dependencies.
 */
(function () {
  "use strict";
  if (window.mkdocsHeatmap) return;
  window.mkdocsHeatmap = true;

  var AREA = ".heatmap-hover";
  var state = new WeakMap();
  var active = null; // the area showing a readout

  function stateOf(area) {
    var s = state.get(area);
    if (!s) {
      var data;
      try {
        data = JSON.parse(area.getAttribute("data-heatmap"));
      } catch (e) {
        data = { p: [] };
      }
      s = { panels: data.p || [], cursor: null, tip: null, box: null };
      state.set(area, s);
    }
    return s;
  }

  function areaOf(node) {
    return node && node.closest ? node.closest(AREA) : null;
  }

  // The image shown now: with a light and a dark variant only one has a size.
  function imageRect(area) {
    var images = area.getElementsByTagName("img");
    for (var k = 0; k < images.length; k++) {
      var r = images[k].getBoundingClientRect();
      if (r.width > 0 && r.height > 0) return r;
    }
    return null;
  }

  function cellAt(area, x, y) {
    var r = imageRect(area);
    if (!r) return null;
    var fx = (x - r.left) / r.width;
    var fy = (y - r.top) / r.height;
    var panels = stateOf(area).panels;
    for (var p = 0; p < panels.length; p++) {
      var b = panels[p].b;
      if (fx >= b[0] && fx < b[2] && fy >= b[1] && fy < b[3]) {
        var rows = panels[p].y.length;
        var cols = panels[p].x.length;
        return {
          p: p,
          i: Math.min(rows - 1, Math.floor(((fy - b[1]) / (b[3] - b[1])) * rows)),
          j: Math.min(cols - 1, Math.floor(((fx - b[0]) / (b[2] - b[0])) * cols)),
        };
      }
    }
    return null;
  }

  function valueOf(panel, c) {
    return panel.v[c.i * panel.x.length + c.j];
  }

  function named(title, label) {
    return title ? title + " " + label : label;
  }

  function parts(area, c) {
    var panel = stateOf(area).panels[c.p];
    var value = valueOf(panel, c);
    return {
      title: panel.t || "",
      where: named(panel.yt, panel.y[c.i]) + " \u00b7 " + named(panel.xt, panel.x[c.j]),
      value: value === null ? "missing" : value === "" ? "not shown" : value,
    };
  }

  function element(area, s, name, css) {
    if (!s[name]) {
      var el = document.createElement("div");
      el.className = "heatmap-" + name;
      el.setAttribute("aria-hidden", "true");
      el.style.cssText = css;
      area.appendChild(el);
      s[name] = el;
    }
    return s[name];
  }

  var TIP_CSS =
    "position:absolute;z-index:20;pointer-events:none;padding:.3em .55em;" +
    "border-radius:4px;background:rgba(20,20,20,.92);color:#fff;" +
    "border:1px solid rgba(255,255,255,.35);font:12px/1.35 system-ui,sans-serif;" +
    "white-space:nowrap;text-align:left;transform:translate(-50%,-100%)";
  var BOX_CSS =
    "position:absolute;z-index:19;pointer-events:none;box-sizing:border-box;" +
    "border:2px solid #fff;box-shadow:0 0 0 1px #000,inset 0 0 0 1px #000";

  function show(area, c, announce) {
    if (active && active !== area) hide(active);
    active = area;
    var s = stateOf(area);
    var r = imageRect(area);
    if (!r) return;
    var panel = s.panels[c.p];
    var b = panel.b;
    var cols = panel.x.length;
    var rows = panel.y.length;
    var outer = area.getBoundingClientRect();
    var w = ((b[2] - b[0]) * r.width) / cols;
    var h = ((b[3] - b[1]) * r.height) / rows;
    var left = r.left - outer.left + b[0] * r.width + c.j * w;
    var top = r.top - outer.top + b[1] * r.height + c.i * h;

    var box = element(area, s, "box", BOX_CSS);
    box.style.left = left + "px";
    box.style.top = top + "px";
    box.style.width = Math.max(w, 4) + "px";
    box.style.height = Math.max(h, 4) + "px";
    box.style.display = "block";

    var text = parts(area, c);
    var tip = element(area, s, "tip", TIP_CSS);
    tip.textContent = "";
    if (text.title) {
      var t = document.createElement("div");
      t.textContent = text.title;
      tip.appendChild(t);
    }
    var where = document.createElement("div");
    where.textContent = text.where;
    var value = document.createElement("strong");
    value.textContent = text.value;
    tip.appendChild(where);
    tip.appendChild(value);
    tip.style.display = "block";
    var half = tip.offsetWidth / 2;
    var x = Math.min(Math.max(left + w / 2, half), Math.max(half, outer.width - half));
    var above = outer.top + top - 6 - tip.offsetHeight >= 0; // room above, in the window
    tip.style.left = x + "px";
    tip.style.top = (above ? top - 6 : top + h + 6) + "px";
    tip.style.transform = above ? "translate(-50%,-100%)" : "translate(-50%,0)";

    if (announce) {
      var live = area.querySelector(".heatmap-readout");
      if (live) live.textContent = (text.title ? text.title + ", " : "") + text.where + ": " + text.value;
    }
  }

  function hide(area) {
    var s = stateOf(area);
    if (s.tip) s.tip.style.display = "none";
    if (s.box) s.box.style.display = "none";
    if (active === area) active = null;
  }

  function point(event) {
    var area = areaOf(event.target);
    if (!area) {
      if (active) hide(active);
      return;
    }
    var c = cellAt(area, event.clientX, event.clientY);
    if (c) {
      stateOf(area).cursor = c;
      show(area, c, false);
    } else {
      hide(area);
    }
  }

  document.addEventListener("pointermove", function (event) {
    if (event.pointerType === "mouse" || event.pointerType === "pen") point(event);
  }, { passive: true });
  // Touch: a tap shows the cell; a tap elsewhere hides it.
  document.addEventListener("pointerdown", point, { passive: true });
  document.addEventListener("pointerout", function (event) {
    if (active && !areaOf(event.relatedTarget) && event.pointerType === "mouse") hide(active);
  });

  function move(area, key) {
    var s = stateOf(area);
    if (!s.panels.length) return false;
    var c = s.cursor || { p: 0, i: 0, j: 0 };
    var panel = s.panels[c.p];
    var rows = panel.y.length;
    var cols = panel.x.length;
    var i = c.i;
    var j = c.j;
    var p = c.p;
    if (key === "ArrowUp") i = Math.max(0, i - 1);
    else if (key === "ArrowDown") i = Math.min(rows - 1, i + 1);
    else if (key === "ArrowLeft") {
      if (j > 0) j -= 1;
      else if (p > 0) {
        p -= 1;
        j = s.panels[p].x.length - 1;
      }
    } else if (key === "ArrowRight") {
      if (j < cols - 1) j += 1;
      else if (p < s.panels.length - 1) {
        p += 1;
        j = 0;
      }
    } else if (key === "Home") j = 0;
    else if (key === "End") j = cols - 1;
    else if (key === "PageUp") i = 0;
    else if (key === "PageDown") i = rows - 1;
    else return false;
    i = Math.min(i, s.panels[p].y.length - 1);
    s.cursor = { p: p, i: i, j: j };
    show(area, s.cursor, true);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var area = areaOf(event.target);
    if (!area || event.target !== area || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Escape") {
      hide(area);
      return;
    }
    if (move(area, event.key)) event.preventDefault();
  });
  document.addEventListener("focusin", function (event) {
    var area = areaOf(event.target);
    if (area && event.target === area) {
      var s = stateOf(area);
      if (s.panels.length) show(area, s.cursor || { p: 0, i: 0, j: 0 }, true);
    }
  });
  document.addEventListener("focusout", function (event) {
    var area = areaOf(event.target);
    if (area && event.target === area) hide(area);
  });
})();
