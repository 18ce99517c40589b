// /app/: choosing a From or To date means a custom period (the page works without this script).
document.addEventListener("DOMContentLoaded", () => {
  const period = document.getElementById("id_period");
  for (const id of ["id_from", "id_to"]) {
    const input = document.getElementById(id);
    if (period && input) input.addEventListener("change", () => { period.value = "custom"; });
  }
});
