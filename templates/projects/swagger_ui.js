{% include "drf_spectacular/swagger_ui.js" %}
// Swagger UI gives the select of a parameter's values no label: name it after its parameter.
new MutationObserver(() => {
  for (const select of document.querySelectorAll("#swagger-ui select:not([aria-label])")) {
    const row = select.closest("tr[data-param-name]");
    if (row) select.setAttribute("aria-label", row.dataset.paramName);
  }
}).observe(document.getElementById("swagger-ui"), { childList: true, subtree: true });
