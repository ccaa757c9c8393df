# style.gp - shared look of tailback's figures: loaded by every template.
# Okabe-Ito colour-blind-safe palette, readable fonts, key outside the data.
#   term   png (default), svg or pdf; outfile is set by the template
if (!exists("term")) term = 'png'
if (!exists("height")) height = 560
if (term eq 'svg') { set terminal svg size 1000,height font 'sans,13' noenhanced background '#ffffff' }
if (term eq 'pdf') { set terminal pdfcairo size 10in,(height/100.0)in font 'sans,11' noenhanced }
if (term eq 'png') { set terminal pngcairo size 1000,height font 'sans,11' noenhanced }
# Okabe-Ito (colour-blind safe), yellow last: it is the hardest to see on white
array C[8] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442']
# Series i: its colour, and from the ninth on a dash pattern too, so that
# every series of a figure is distinct however many there are.
col(i) = C[(i - 1) % 8 + 1]
dash(i) = int((i - 1) / 8) + 1
# Intervals clipped at the end of a metric's range (column 6 of a series:
# 1 low, 2 high) are marked with a triangle at the clipped end.
clip_lo(c) = int(c) % 2 == 1
clip_hi(c) = int(c) >= 2
set datafile separator ','
set grid lc rgb '#dddddd'
set key outside right top
set border lw 1
