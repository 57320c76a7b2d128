"""Report generation: Allure run metadata, categories, and later the HTML report."""
