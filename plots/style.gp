# style.gp - shared look of tailback's figures: loaded by every template.
# Okabe-Ito colour-blind-safe palette, readable fonts, key outside the data.
#   term   png (default), svg or pdf; outfile is set by the template
if (!exists("term")) term = 'png'
if (!exists("height")) height = 560
if (term eq 'svg') { set terminal svg size 1000,height font 'sans,13' noenhanced background '#ffffff' }
if (term eq 'pdf') { set terminal pdfcairo size 10in,(height/100.0)in font 'sans,11' noenhanced }
if (term eq 'png') { set terminal pngcairo size 1000,height font 'sans,11' noenhanced }
array C[8] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000']
set datafile separator ','
set grid lc rgb '#dddddd'
set key outside right top
set border lw 1
