document.querySelector('h1').insertAdjacentText('beforeend', ' ✓');
